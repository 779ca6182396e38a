"""N servers on this machine for benchmarks: one test user, N sshd on loopback ports, N pm2.

Each server is an sshd of its own (its port, its config, the one host key) whose sessions get
``EREG_FLEET_PM2_HOME`` (sshd's ``SetEnv``); the user's login profile makes that the session's
``PM2_HOME``, so each server has a pm2 daemon of its own, running ``apps`` plain ``sleep``
processes (one ecosystem file, started in parallel). No git, no node apps. Needs root. Build
with ``Fleet(servers=10, apps=50).start()``, end with ``close()``: the sshd, every process of the
user (by pid), the files; a fleet left by a killed run is cleaned up by the next one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .procs import (
    Proc,
    alive,
    descendants,
    end_processes,
    free_port,
    port_open,
    read_proc,
    user_processes,
    wait_for,
)
from .server import Sandbox, SandboxError, ensure_pm2_cache

FLEET_PREFIX = "ereg-fleet-"
FLEET_PROFILE = """
# >>> ereg-desktop test fleet: each sshd's sessions have a pm2 of their own >>>
export PM2_HOME="${{EREG_FLEET_PM2_HOME:-$HOME/.pm2}}"
export PATH="{path}:$PATH"
# <<< ereg-desktop test fleet <<<
"""
SLEEP_S = 100000


def cleanup_stale_fleets() -> None:
    """End the sshd of fleets whose owning process is gone (by recorded pid) and their files."""
    for d in Path(tempfile.gettempdir()).glob(FLEET_PREFIX + "*"):
        try:
            owner = json.loads((d / "owner.json").read_text())
        except (OSError, ValueError):
            continue
        if alive(Proc(**owner["owner"])):
            continue
        end_processes([Proc(**p) for p in owner.get("fleet_sshd", [])])
        shutil.rmtree(d, ignore_errors=True)


class Fleet(Sandbox):
    """``ports[i]`` is server i's sshd; ``pm2_homes[i]`` its PM2_HOME; ``user``, ``host``,
    ``client_key_text``, ``host_key_public()`` as for :class:`Sandbox`;
    ``known_hosts_lines()``; ``app_names``; ``pm2_on(i, *args)``."""

    def __init__(self, servers: int = 10, apps: int = 50) -> None:
        super().__init__()
        self.count = servers
        self.app_names = [f"sleep{n:02d}" for n in range(apps)]
        self.ports: list[int] = []
        self._fleet_sshd: list[subprocess.Popen[bytes]] = []

    @property
    def pm2_homes(self) -> list[Path]:
        return [self.home / f".pm2-{i:02d}" for i in range(self.count)]

    def known_hosts_lines(self) -> list[str]:
        return [f"[{self.host}]:{port} {self.host_key_public()}" for port in self.ports]

    def _start(self) -> None:
        if os.geteuid() != 0:
            raise SandboxError("the fleet needs root (useradd, runuser, sshd)")
        self._lock_user()
        cleanup_stale_fleets()
        pm2_prefix = ensure_pm2_cache()
        self.root = Path(tempfile.mkdtemp(prefix=FLEET_PREFIX))
        self._dir.chmod(0o755)
        for sub, mode in (("private", 0o700), ("ak", 0o755), ("shared", 0o755)):
            (self._dir / sub).mkdir(mode=mode)
            (self._dir / sub).chmod(mode)
        self._write_owner()
        self._ensure_user()
        end_processes(user_processes(self.uid))  # left over by a killed earlier run
        self._reset_home()
        path_dirs = self._share_tools(pm2_prefix)
        block = FLEET_PROFILE.format(path=":".join(path_dirs))
        for name in (".profile", ".bashrc"):
            with open(self.home / name, "a") as f:
                f.write(block)
        self._keys()
        for i in range(self.count):
            self._start_one_sshd(i)
        eco = self.home / "fleet.config.js"
        self.write_user_file(eco, self._ecosystem())
        with ThreadPoolExecutor(max_workers=self.count) as workers:
            list(workers.map(lambda i: self.pm2_on(i, "start", str(eco), check=True),
                             range(self.count)))  # fmt: skip

    def _ecosystem(self) -> str:
        apps = [{"name": name, "script": "/bin/sleep", "args": str(SLEEP_S), "interpreter": "none",
                 "autorestart": True} for name in self.app_names]  # fmt: skip
        return "module.exports = " + json.dumps({"apps": apps}, indent=1) + ";\n"

    def pm2_on(self, i: int, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """``pm2 ARGS`` as the user on server i (its PM2_HOME)."""
        env = {"EREG_FLEET_PM2_HOME": str(self.pm2_homes[i])}
        return self.run_as_user(["pm2", *args], env=env, check=check, timeout=180)

    def _start_one_sshd(self, i: int) -> None:
        priv = self._dir / "private"
        cfg = priv / f"sshd_config-{i:02d}"
        base = (priv / "sshd_config").read_text()
        base = base.replace(f"PidFile {priv}/sshd.pid", f"PidFile {priv}/sshd-{i:02d}.pid")
        cfg.write_text(base + f"SetEnv EREG_FLEET_PM2_HOME={self.pm2_homes[i]}\n")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        port = free_port()
        argv = ["/usr/sbin/sshd", "-D", "-e", "-f", str(cfg), "-o", f"Port={port}"]
        subprocess.run([*argv, "-t"], check=True, capture_output=True, timeout=30)
        with open(priv / f"sshd-{i:02d}.log", "ab") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    start_new_session=True)  # fmt: skip
        self._fleet_sshd.append(proc)
        self.ports.append(port)
        self._write_owner()

        def up() -> bool:
            if proc.poll() is not None:
                raise SandboxError(f"sshd {i} exited {proc.returncode}")
            return port_open(self.host, port)

        wait_for(up, 15, f"sshd {i} on {self.host}:{port}")

    def _write_owner(self) -> None:
        me = read_proc(os.getpid())
        assert me is not None
        running = [read_proc(p.pid) for p in getattr(self, "_fleet_sshd", []) if p.poll() is None]
        data = {"owner": vars(me), "sshd": None,
                "fleet_sshd": [vars(p) for p in running if p is not None]}  # fmt: skip
        (self._dir / "owner.json").write_text(json.dumps(data))

    def close(self) -> None:
        if self._closed:
            return
        for proc in self._fleet_sshd:  # the listeners first: nothing new connects
            self._sshd_sessions += descendants(proc.pid)
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        self._fleet_sshd = []
        if self.root is not None:
            # each daemon stops its apps for good (ended by signal, it would restart some first)
            with ThreadPoolExecutor(max_workers=max(1, self.count)) as workers:
                list(workers.map(self._pm2_kill, range(len(self.ports))))
            try:
                uid = self.uid
            except KeyError:
                uid = None
            for _ in range(3):  # what a dying daemon restarted meanwhile, by pid
                left = user_processes(uid) if uid is not None else []
                if not left:
                    break
                end_processes(left)
        super().close()  # every process of the user by pid, the sessions, the home, the files

    def _pm2_kill(self, i: int) -> None:
        try:
            self.pm2_on(i, "kill")
        except (OSError, subprocess.SubprocessError):
            pass  # the processes are ended by pid next
