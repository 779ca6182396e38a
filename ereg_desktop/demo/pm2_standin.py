"""A stand-in for ``pm2``, for the demo's sandbox when the real pm2 (or node) is not installed.

Installed as ``pm2`` on the sandbox's login PATH and run as a script (standard library only: it
imports nothing of the package). It honours what the app and the helper commands ask of pm2:
``jlist``, ``start SCRIPT --name APP [-- ARGS]``, ``start|stop|restart|describe|pid APP``,
``ping``, ``kill``, ``save``, ``--version``; ``jlist`` prints one line of JSON in pm2 7's shape
(``pid, name, pm_id, monit, pm2_env`` with the environment twice, as pm2 does), and the
messages and exit codes are pm2's (an unknown app: exit 1, its message on stderr).

There is no daemon: the processes are real (``pm2_standin_app.py``, a small HTTP server that
holds memory), started in their own session with their output in the log files, and their
state is a JSON file in ``$PM2_HOME`` changed under ``flock``. Each call first looks after the
processes as pm2's daemon would: one that died while online is started again and its restart
count goes up (so a crash shows as it does under pm2, at the next read). POSIX only.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

VERSION = "7.0.4"
APP_SCRIPT = Path(__file__).with_name("pm2_standin_app.py")
# the frozen app has no python beside it: it runs these scripts itself (packaging/launcher.py)
FROZEN_PM2 = "--demo-pm2"
FROZEN_APP = "--demo-pm2-app"


def python_command(script: Path, frozen_entry: str) -> list[str]:
    """How to run one of the stand-in's scripts: ``python SCRIPT``, or in the frozen app (where
    ``sys.executable`` is the app) the app with the script's hidden entry argument."""
    if getattr(sys, "frozen", False):
        return [sys.executable, frozen_entry]
    return [sys.executable, str(script)]


MIN_UPTIME_MS = 1000
MAX_RESTARTS = 15
_GREEN, _RED, _OFF = "\x1b[32m", "\x1b[31m", "\x1b[39m"


def _home() -> Path:
    return Path(os.environ.get("PM2_HOME") or Path.home() / ".pm2")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _say(text: str) -> None:
    print(f"{_GREEN}[PM2] {_OFF}{text}")


def _error(text: str) -> int:
    print(f"{_RED}[PM2][ERROR] {_OFF}{text}", file=sys.stderr)
    return 1


def _alive(pid: int) -> bool:
    """The process runs (a zombie nobody reaped yet counts as ended)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): kill(0) said it runs
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _rss_and_cpu(pid: int, started_ms: int) -> tuple[int, float]:
    """Resident memory in bytes and the CPU percent since the start (Linux /proc, else ps)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = next(
            int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")
        )
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
        ticks = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, ValueError, IndexError):
        try:
            out = subprocess.run(
                ["ps", "-o", "rss=,time=", "-p", str(pid)],
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout.split()
            rss, ticks = int(out[0]) * 1024, 0.0
        except (OSError, ValueError, IndexError, subprocess.SubprocessError):
            return 0, 0.0
    lived = max(0.001, time.time() - started_ms / 1000)
    return rss, round(min(100.0, 100 * ticks / lived), 1)


class Pm2:
    """The process table (``$PM2_HOME/standin.json``), read and written under its lock."""

    def __init__(self) -> None:
        self.home = _home()
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        (self.home / "pids").mkdir(exist_ok=True)
        self.state_file = self.home / "standin.json"
        self._lock = open(self.home / "standin.lock", "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            self.apps: list[dict[str, Any]] = json.loads(self.state_file.read_text())["apps"]
        except (OSError, ValueError, KeyError):
            self.apps = []

    def save(self) -> None:
        tmp = self.state_file.with_name("standin.json.tmp")
        tmp.write_text(json.dumps({"apps": self.apps}))
        os.replace(tmp, self.state_file)

    def find(self, name: str) -> dict[str, Any] | None:
        return next((a for a in self.apps if a["name"] == name), None)

    # --- processes -----------------------------------------------------------------------------

    def spawn(self, app: dict[str, Any]) -> None:
        out = open(app["out"], "ab")
        err = open(app["err"], "ab")
        env = {**app["env"], "PM2_STANDIN_APP": app["name"]}
        proc = subprocess.Popen(
            [*python_command(APP_SCRIPT, FROZEN_APP), *app["args"]],
            cwd=app["cwd"], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            start_new_session=True,
        )  # fmt: skip
        out.close()
        err.close()
        app.update(pid=proc.pid, status="online", pm_uptime=_now_ms(), created_at=_now_ms())
        Path(app["pid_file"]).write_text(f"{proc.pid}")

    def end(self, app: dict[str, Any]) -> None:
        pid = int(app.get("pid") or 0)
        app.update(status="stopped", pid=0)
        if not _alive(pid):
            return
        try:
            os.killpg(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + 3
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)  # pm2 too waits for the process to go (kill_timeout)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)

    def look_after(self) -> None:
        """What pm2's daemon does between calls: an online process that died is restarted."""
        changed = False
        for app in self.apps:
            if app["status"] != "online" or _alive(int(app["pid"])):
                continue
            changed = True
            lived = _now_ms() - int(app["pm_uptime"])
            app["exit_code"] = 1
            if lived < MIN_UPTIME_MS:
                app["unstable_restarts"] += 1
            if app["unstable_restarts"] >= MAX_RESTARTS:
                app.update(status="errored", pid=0, unstable_restarts=0)
                continue
            app["restart_time"] += 1
            self.spawn(app)
        if changed:
            self.save()

    # --- what jlist prints ---------------------------------------------------------------------

    def entry(self, app: dict[str, Any]) -> dict[str, Any]:
        online = app["status"] == "online"
        memory, cpu = _rss_and_cpu(int(app["pid"]), int(app["pm_uptime"])) if online else (0, 0.0)
        env = dict(app["env"])
        pm2_env = {
            "name": app["name"], "namespace": "default", "env": {**env, "PM2_USAGE": "CLI"},
            "autorestart": True, "watch": False, "username": os.environ.get("USER", "demo"),
            "pm_exec_path": app["script"], "pm_cwd": app["cwd"], "exec_interpreter": "node",
            "exec_mode": "fork_mode", "instances": 1, "pm_out_log_path": app["out"],
            "pm_err_log_path": app["err"], "pm_pid_path": app["pid_file"], "node_args": [],
            "args": app["args"], "NODE_APP_INSTANCE": 0, **env, "status": app["status"],
            "pm_uptime": app["pm_uptime"], "created_at": app["created_at"] if online else None,
            "restart_time": app["restart_time"], "unstable_restarts": app["unstable_restarts"],
            "exit_code": app["exit_code"], "version": "1.0.0", "node_version": "20.20.2",
            "axm_monitor": {}, "pm_id": app["pm_id"],
        }  # fmt: skip
        return {
            "pid": app["pid"] if online else 0, "name": app["name"], "pm2_env": pm2_env,
            "pm_id": app["pm_id"], "monit": {"memory": memory, "cpu": cpu},
        }  # fmt: skip


def _start(pm2: Pm2, args: list[str]) -> int:
    if not args:
        return _error("No script path - aborting")
    target, rest = args[0], args[1:]
    script_args = rest[rest.index("--") + 1 :] if "--" in rest else []
    opts = rest[: rest.index("--")] if "--" in rest else rest
    name = opts[opts.index("--name") + 1] if "--name" in opts[:-1] else None
    existing = pm2.find(name or target)
    if existing is not None:
        if existing["status"] == "online":
            _say(
                f"Applying action restartProcessId on app [{existing['name']}](ids: [ {existing['pm_id']} ])"
            )
            pm2.end(existing)
            existing["restart_time"] += 1
        pm2.spawn(existing)
        _say(f"[{existing['name']}]({existing['pm_id']}) \u2713")
        return 0
    script = Path(target).absolute()
    if not script.is_file():
        return _error(f"Script not found: {script}")
    name = name or script.stem
    logs = pm2.home / "logs"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PM2_STANDIN")}
    app: dict[str, Any] = {
        "name": name, "pm_id": max((a["pm_id"] for a in pm2.apps), default=-1) + 1,
        "script": str(script), "cwd": os.getcwd(), "args": script_args, "env": env,
        "out": str(logs / f"{name}-out.log"), "err": str(logs / f"{name}-error.log"),
        "pid_file": str(pm2.home / "pids" / f"{name}-0.pid"), "status": "stopped", "pid": 0,
        "pm_uptime": _now_ms(), "created_at": None, "restart_time": 0, "unstable_restarts": 0,
        "exit_code": 0,
    }  # fmt: skip
    pm2.apps.append(app)
    _say(f"Starting {script} in fork_mode (1 instance)")
    pm2.spawn(app)
    _say("Done.")
    return 0


def _act(pm2: Pm2, verb: str, name: str | None) -> int:
    app = pm2.find(name) if name else None
    if app is None:
        return _error(f"Process or Namespace {name} not found")
    if verb == "describe":
        print(json.dumps(pm2.entry(app)["pm2_env"]["status"]))
        return 0
    if verb == "pid":
        print(app["pid"] if app["status"] == "online" else "")
        return 0
    action = "stopProcessId" if verb == "stop" else "restartProcessId"
    _say(f"Applying action {action} on app [{name}](ids: [ {app['pm_id']} ])")
    pm2.end(app)
    if verb == "restart":
        app["restart_time"] += 1
        pm2.spawn(app)
    _say(f"[{name}]({app['pm_id']}) \u2713")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print("usage: pm2 jlist | start SCRIPT --name APP | stop|restart|describe|pid APP | kill")
        return 0 if argv else 1
    if argv[0] in ("--version", "-v", "-V"):
        print(VERSION)
        return 0
    pm2 = Pm2()
    try:
        verb, args = argv[0], argv[1:]
        pm2.look_after()
        if verb == "jlist":
            sys.stdout.write(json.dumps([pm2.entry(a) for a in pm2.apps], separators=(",", ":")))
            return 0
        if verb == "ping":
            print("{ msg: 'pong' }")
            return 0
        if verb == "start":
            return _start(pm2, args)
        if verb in ("stop", "restart", "reload", "describe", "pid"):
            return _act(pm2, "restart" if verb == "reload" else verb, args[0] if args else None)
        if verb == "kill":
            for app in pm2.apps:
                pm2.end(app)
            pm2.apps = []
            _say("Applying action deleteProcessId on app [all]")
            _say("PM2 stopped")
            return 0
        if verb == "save":
            _say("Saving current process list...")
            return 0
        return _error(f"the demo's pm2 stand-in does not do `pm2 {verb}`")
    finally:
        pm2.save()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
