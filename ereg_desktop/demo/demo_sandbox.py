"""The demo's server side as a folder: the account's home (login files, helper commands, the app
checkouts, pm2's home), the bare git repositories the checkouts came from, and the processes.

Built once per demo profile (:func:`build`), reused at each start; ``--demo --reset`` removes it
and builds it again. pm2 is the real one when ``pm2`` and ``node`` are on the app's PATH (its own
``PM2_HOME`` in the sandbox), else the stand-in (``pm2_standin.py``) installed as ``pm2``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ereg_desktop.demo import demo_content as content
from ereg_desktop.demo.pm2_standin import FROZEN_PM2, python_command

LAYOUT_VERSION = 1
HELPERS = ("pm2-deploy", "update-translations", "demo-setup")
_PM2_STANDIN = Path(__file__).with_name("pm2_standin.py")


class DemoSetupFailed(RuntimeError):
    """Building or starting the sandbox failed; the message says which step and its output."""


@dataclass(frozen=True)
class Sandbox:
    """The demo's folders under ``root`` (the data dir's ``demo``)."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "sandbox/home"

    @property
    def repos(self) -> Path:
        return self.root / "sandbox/repos"

    @property
    def work(self) -> Path:
        return self.root / "sandbox/work"

    @property
    def pm2_home(self) -> Path:
        return self.home / ".pm2"

    @property
    def profile_dir(self) -> Path:
        """The demo profile's own config dir (its inventory, known_hosts, settings, history)."""
        return self.root / "profile"

    @property
    def host_key_path(self) -> Path:
        return self.root / "host_ed25519"

    @property
    def marker(self) -> Path:
        return self.root / "sandbox/built.json"

    def bare_repo(self, system: content.DemoSystem) -> Path:
        return self.repos / f"{system.repo}.git"

    def app_dir(self, app: str) -> Path:
        return self.home / app

    def is_built(self) -> bool:
        try:
            return bool(json.loads(self.marker.read_text()).get("layout") == LAYOUT_VERSION)
        except (OSError, ValueError, AttributeError):
            return False


def real_pm2() -> bool:
    """Whether the demo runs the real pm2 (both it and node on the app's PATH)."""
    return bool(shutil.which("pm2") and shutil.which("node"))


def server_env(box: Sandbox) -> dict[str, str]:
    """The environment a command of the demo server starts with (as sshd gives one)."""
    user = os.environ.get("USER") or os.environ.get("LOGNAME") or "demo"
    return {
        "HOME": str(box.home),
        "USER": user,
        "LOGNAME": user,
        "SHELL": "/bin/bash",
        "PATH": os.environ.get("PATH") or os.defpath,
        "LANG": "C.UTF-8",
        "PM2_HOME": str(box.pm2_home),
    }


def _run(
    argv: Sequence[str],
    what: str,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> str:
    try:
        res = subprocess.run(
            list(argv), cwd=cwd, env=dict(env) if env is not None else None,
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DemoSetupFailed(f"the demo could not {what}: {exc}") from None
    if res.returncode != 0:
        raise DemoSetupFailed(
            f"the demo could not {what} (exit {res.returncode}): {res.stderr.strip()[-1500:]}"
        )
    return res.stdout


def _git_env(box: Sandbox, when: datetime) -> dict[str, str]:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return {
        **server_env(box),
        "GIT_AUTHOR_NAME": "eRegistrations Developer",
        "GIT_AUTHOR_EMAIL": "dev@demo.invalid",
        "GIT_COMMITTER_NAME": "eRegistrations Developer",
        "GIT_COMMITTER_EMAIL": "dev@demo.invalid",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def build(box: Sandbox, *, now: datetime | None = None) -> None:
    """Build the sandbox from nothing (what was there is removed first), marker written last."""
    now = now or datetime.now(UTC)
    shutil.rmtree(box.root / "sandbox", ignore_errors=True)
    for d in (box.home, box.repos, box.work, box.pm2_home):
        d.mkdir(parents=True, exist_ok=True)
    _write(
        box.home / ".gitconfig",
        "[user]\n\tname = eRegistrations Server\n\temail = server@demo.invalid\n"
        "[init]\n\tdefaultBranch = master\n[advice]\n\tdetachedHead = false\n",
    )
    for system in content.SYSTEMS:
        _build_system(box, system, now)
    _write(box.marker, json.dumps({"layout": LAYOUT_VERSION, "built": now.isoformat()}) + "\n")


def _build_system(box: Sandbox, system: content.DemoSystem, now: datetime) -> None:
    seed, bare = box.work / f"seed-{system.repo}", box.bare_repo(system)
    for rel, text in content.initial_files(system).items():
        _write(seed / rel, text)
    born = _git_env(box, now - timedelta(days=5))
    what = f"seed the {system.name} repository"
    _run(["git", "init", "-q", "-b", "master", str(seed)], what, env=born)
    _run(["git", "add", "-A"], what, cwd=seed, env=born)
    _run(["git", "commit", "-q", "-m", "Initial commit"], what, cwd=seed, env=born)
    _run(["git", "init", "-q", "--bare", "-b", "master", str(bare)], what, env=born)
    # update-translations force-pushes server-translations, as GitHub allows
    _run(["git", "-C", str(bare), "config", "receive.denyNonFastForwards", "false"], what)
    _run(["git", "push", "-q", str(bare), "master"], what, cwd=seed, env=born)
    for app in system.apps:
        if app.track_type == "tag":
            _run(["git", "tag", app.track], what, cwd=seed, env=born)
            _run(["git", "push", "-q", str(bare), app.track], what, cwd=seed, env=born)
    for app in system.apps:
        where = box.app_dir(app.name)
        _run(["git", "clone", "-q", str(bare), str(where)], f"clone {app.name}", env=born)
        with open(where / ".git/info/exclude", "a", encoding="utf-8") as f:
            f.write("".join(f"{p}\n" for p in content.LOCAL_EXCLUDES))
        _write(where / content.SCAN_MAP, content.json_text(content.scan_map(system.name)))
    for i, subject in enumerate(system.pending):
        when = _git_env(box, now - timedelta(hours=26 - 5 * i))
        with open(seed / "CHANGELOG.md", "a", encoding="utf-8") as f:
            f.write(f"- {subject}\n")
        _run(["git", "add", "-A"], what, cwd=seed, env=when)
        _run(["git", "commit", "-q", "-m", subject], what, cwd=seed, env=when)
    if system.pending:
        _run(["git", "push", "-q", str(bare), "master"], what, cwd=seed, env=born)
    for app_name, kind in system.translations.items():
        messages, data = content.changed_translations(system, kind)
        _write(box.app_dir(app_name) / "i18n-messages.json", messages)
        if data is not None:
            _write(box.app_dir(app_name) / "data/global.json", data)


def write_login_files(box: Sandbox) -> None:
    """The account's login files and helper commands (each start: the app's PATH may change).

    A login bash reads /etc/profile (which may reset PATH) and then ~/.profile: the PATH set
    here, the helpers' folder first, is the one every command of the app finds."""
    bin_dir = box.home / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in HELPERS:
        _write(bin_dir / name, content.data_text(name), 0o755)
    standin = bin_dir / "pm2"
    if real_pm2():
        standin.unlink(missing_ok=True)
    else:
        _write(
            standin,
            "#!/bin/sh\n# the demo's pm2 stand-in (no pm2 or node on this computer)\n"
            f'exec {shlex.join(python_command(_PM2_STANDIN, FROZEN_PM2))} "$@"\n',
            0o755,
        )
    block = (
        "# the ereg-desktop demo's account: the helper commands and pm2 on the login PATH\n"
        'export PM2_HOME="$HOME/.pm2"\n'
        f'export PATH="$HOME/bin:{server_env(box)["PATH"]}"\n'
    )
    for name in (".profile", ".bashrc"):
        _write(box.home / name, block)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _login_shell(box: Sandbox, script: str, what: str, timeout: float = 120) -> str:
    return _run(["bash", "-lc", script], what, cwd=box.home, env=server_env(box), timeout=timeout)


def start_apps(box: Sandbox) -> dict[str, int]:
    """pm2 (the sandbox's own) with every demo app started, each on a new free port; the
    ports by app name. What an earlier run left running is ended first."""
    ports = {app.name: free_port() for app in content.APPS}
    lines = [
        "set -e",
        # the real pm2 only when its daemon runs (asking a stopped one would start it)
        'if [ -f "$PM2_HOME/pm2.pid" ] || [ -f "$PM2_HOME/standin.json" ]; then '
        "pm2 kill >/dev/null 2>&1 || true; fi",
    ]
    envs = {app.name: _app_env(app, ports[app.name]) for app in content.APPS}
    if real_pm2():
        # one `pm2 start` of an ecosystem file: node's start-up paid once, not once per app
        apps = [
            {"name": name, "script": "server.js", "cwd": str(box.app_dir(name)), "env": env}
            for name, env in envs.items()
        ]
        ecosystem = box.work / "ecosystem.json"
        _write(ecosystem, json.dumps({"apps": apps}, indent=2) + "\n")
        lines.append(f"pm2 start {shlex.quote(str(ecosystem))} >/dev/null")
    else:
        for name, env in envs.items():
            pairs = shlex.join(f"{k}={v}" for k, v in env.items())
            start = shlex.join(["pm2", "start", "server.js", "--name", name])
            lines.append(f"cd ~/{shlex.quote(name)} && env {pairs} {start} >/dev/null")
    _login_shell(box, "\n".join(lines), "start the apps under pm2")
    return ports


def _app_env(app: content.DemoApp, port: int) -> dict[str, str]:
    env = {"PORT": str(port), "HOLD_MB": str(app.hold_mb)}
    if app.crash_s:
        env |= {"CRASH_S": f"{app.crash_s:g}", "CRASH_MS": str(int(app.crash_s * 1000))}
    return env


def stop_apps(box: Sandbox) -> None:
    """``pm2 kill``: the demo's apps (and the real pm2's daemon) end with the demo."""
    _login_shell(
        box,
        'if [ -f "$PM2_HOME/pm2.pid" ] || [ -f "$PM2_HOME/standin.json" ]; then pm2 kill; fi',
        "stop pm2",
        timeout=60,
    )
