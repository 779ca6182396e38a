"""One run of the embedded demo: the sandbox, its pm2 and apps, the SSH server on loopback and
the GitHub stand-in, started by :func:`start_demo` and ended by :meth:`DemoSession.stop`.

What the app needs to use it comes back as plain data: the port, the host key's known_hosts
line, the client key's private text (made for this run, held in memory only, never written),
the GitHub token and URL, and the demo profile's own folder with its inventory. Nothing here
reads or writes the operator's own profile: the caller points the app at ``profile_dir``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import paramiko

from ereg_desktop.demo import demo_content as content
from ereg_desktop.demo.demo_sandbox import (
    DemoSetupFailed,
    Sandbox,
    build,
    real_pm2,
    server_env,
    start_apps,
    stop_apps,
    write_login_files,
)
from ereg_desktop.demo.ssh_server import DemoSSHServer, load_or_create_host_key

__all__ = ["DemoSession", "DemoSetupFailed", "start_demo"]

HOST = "127.0.0.1"


def _client_key() -> tuple[str, paramiko.PKey]:
    """A new ed25519 key for this run: its OpenSSH private text and its paramiko public half."""
    import io

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    text = (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )
    return text, paramiko.Ed25519Key.from_private_key(io.StringIO(text))


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string, for these values


def inventory_text(port: int, user: str, app_ports: Mapping[str, int]) -> str:
    """The demo's inventory: the default inventory's systems on the demo's server."""
    rows = [
        "# The ereg-desktop demo's inventory: rewritten at each start (the ports change).",
        "format = 1",
        "",
        "[operator]",
        f"name = {_toml(content.OPERATOR)}",
        f"github = {_toml(content.OPERATOR_GITHUB)}",
        "",
        "[[servers]]",
        f"id = {_toml(content.SERVER_ID)}",
        f"host = {_toml(HOST)}",
        f"port = {port}",
        f"user = {_toml(user)}",
        f"admin = {_toml(content.ADMIN)}",
    ]
    for system in content.SYSTEMS:
        rows += [
            "",
            "[[systems]]",
            f"name = {_toml(system.name)}",
            f"owner = {_toml(system.owner)}",
            f"repository = {_toml(f'{content.OWNER}/{system.repo}')}",
            f"timezone = {_toml(system.timezone)}",
            f"low_traffic = {_toml(system.low_traffic)}",
        ]
        for app in system.apps:
            rows += [
                "",
                "  [[systems.deployments]]",
                f"  environment = {_toml(app.environment)}",
                f"  server = {_toml(content.SERVER_ID)}",
                f"  app = {_toml(app.name)}",
                f"  url = {_toml(f'http://{HOST}:{app_ports[app.name]}/')}",
                f"  track = {_toml(app.track)}",
            ]
            if app.track_type:
                rows.append(f"  track_type = {_toml(app.track_type)}")
    return "\n".join(rows) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class DemoSession:
    """A running demo. ``stop()`` ends it (idempotent)."""

    sandbox: Sandbox
    port: int
    user: str
    host_key_line: str  # for the demo profile's known_hosts
    client_key_text: str = field(repr=False)  # the private key: in memory only
    client_public_line: str  # "ssh-ed25519 AAAA... comment"
    github_url: str
    github_token: str = field(repr=False)
    real_pm2: bool
    started_s: float  # how long start_demo took
    _ssh: DemoSSHServer = field(repr=False)
    _github: object = field(repr=False)
    _stopped: bool = False

    @property
    def server_id(self) -> str:
        return content.SERVER_ID

    @property
    def profile_dir(self) -> Path:
        return self.sandbox.profile_dir

    @property
    def inventory_file(self) -> Path:
        return self.sandbox.profile_dir / "inventory.toml"

    @property
    def known_hosts_file(self) -> Path:
        return self.sandbox.profile_dir / "known_hosts"

    def stop(self) -> None:
        """End the SSH server (and every command it runs), the GitHub stand-in and pm2."""
        if self._stopped:
            return
        self._stopped = True
        try:
            self._ssh.stop()
        finally:
            try:
                self._github.stop()  # type: ignore[attr-defined]
            finally:
                stop_apps(self.sandbox)

    def __enter__(self) -> DemoSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _start_github(sandbox: Sandbox, token: str) -> object:
    from ereg_desktop.demo.github_standin import GitHubStandIn

    repos = {f"{content.OWNER}/{s.repo}": sandbox.bare_repo(s) for s in content.SYSTEMS}
    return GitHubStandIn(repos, {token: content.OPERATOR_GITHUB}).start()


def start_demo(data_dir: Path, reset: bool = False) -> DemoSession:
    """Start the demo whose files live in ``data_dir / "demo"`` (built there on first use;
    ``reset``: removed and built again). Raises :class:`DemoSetupFailed` with the step."""
    if not shutil.which("bash") or not shutil.which("git"):
        raise DemoSetupFailed("the demo needs bash and git on the PATH (neither may be missing)")
    t0 = time.monotonic()
    sandbox = Sandbox(Path(data_dir) / "demo")
    if reset and sandbox.root.exists():
        stop_left_over(sandbox)
        shutil.rmtree(sandbox.root)
    if not sandbox.is_built():
        build(sandbox)
    write_login_files(sandbox)
    app_ports = start_apps(sandbox)
    user = server_env(sandbox)["USER"]
    key_text, client_key = _client_key()
    ssh = DemoSSHServer(
        load_or_create_host_key(sandbox.host_key_path),
        client_key,
        sandbox.home,
        server_env(sandbox),
        user=user,
        host=HOST,
    )
    github: object | None = None
    try:
        ssh.start()
        token = "ghp_demo_" + secrets.token_hex(16)
        github = _start_github(sandbox, token)
        profile = sandbox.profile_dir
        _write_atomic(profile / "inventory.toml", inventory_text(ssh.port, user, app_ports))
        _write_atomic(profile / "known_hosts", ssh.host_key_line + "\n")
        return DemoSession(
            sandbox=sandbox, port=ssh.port, user=user, host_key_line=ssh.host_key_line,
            client_key_text=key_text,
            client_public_line=f"{client_key.get_name()} {client_key.get_base64()} ereg-desktop-demo",
            github_url=github.url,  # type: ignore[attr-defined]
            github_token=token, real_pm2=real_pm2(), started_s=time.monotonic() - t0,
            _ssh=ssh, _github=github,
        )  # fmt: skip
    except BaseException:
        ssh.stop()
        if github is not None:
            github.stop()  # type: ignore[attr-defined]
        stop_apps(sandbox)
        raise


def stop_left_over(sandbox: Sandbox) -> None:
    """End what an earlier run left running in this sandbox (before it is removed)."""
    if sandbox.home.is_dir():
        try:
            stop_apps(sandbox)
        except DemoSetupFailed:
            pass
