"""Can this computer work on a server? Each thing a connection needs, checked in order, with what
is missing said in words a new operator can act on (the set-up assistant's last page, and
``ereg-desktop doctor``).

The steps: the SSH key (from the keyring, unlocked), reaching host:port, the host key (pinned and
the one the server shows), logging in with the key, and pm2 on the account's login PATH
(``bash -lc 'command -v pm2'``). The check uses a connection of its own (never the window's pool,
whose backoff would answer for it) and closes it. Network and keyring: run it on a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ereg_desktop.errors import EregError
from ereg_desktop.remote.errors import (
    AuthFailed,
    ChangedHostKey,
    NoAnswer,
    NoUsableKey,
    UnknownHostKey,
    Unreachable,
)
from ereg_desktop.store.inventory import Server

if TYPE_CHECKING:
    import paramiko

    from ereg_desktop.remote.connection import ConnectionPool
    from ereg_desktop.remote.hostkeys import KnownHosts
    from ereg_desktop.services.keys import PassphraseSource
    from ereg_desktop.store.secrets import SecretStore

State = Literal["ok", "failed", "not tried"]

KEY = "SSH key"
REACH = "Reach the server"
HOST_KEY = "Host key"
LOGIN = "Log in"
PM2 = "pm2"
STEPS = (KEY, REACH, HOST_KEY, LOGIN, PM2)


@dataclass(frozen=True)
class CheckStep:
    title: str  # one of STEPS
    state: State
    message: str
    # the host key the server shows when it is not trusted yet: the operator checks and pins it
    offered_fingerprint: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "ok"


def admin_of(server: Server) -> str:
    return server.admin or "the server's administrator"


def explain(error: BaseException, server: Server) -> str:
    """What ``error`` (raised by the keyring, the key, the connection) means is missing."""
    from ereg_desktop.services.keys import KeyFileError, NoKeyStored, WrongPassphrase
    from ereg_desktop.store.secrets import NoKeyring

    where = f"{server.host}:{server.port}"
    if isinstance(error, NoUsableKey):
        return explain(error.cause, server)
    if isinstance(error, NoKeyStored):
        return (
            f"no SSH key is stored for {server.id}: import yours or generate one (step 2; "
            f"`ereg-desktop keys generate --server {server.id}`)"
        )
    if isinstance(error, WrongPassphrase):
        if "none was given" in str(error):
            return "the key is protected by a passphrase and none was given"
        return "wrong passphrase: the key in the keyring cannot be unlocked with it"
    if isinstance(error, NoKeyring):
        return str(error)
    if isinstance(error, KeyFileError):
        return f"the stored key cannot be used: {error}"
    if isinstance(error, UnknownHostKey):
        return (
            f"the host key is not trusted yet: {server.host} shows {error.key_type} "
            f"{error.offered_fingerprint}; check it with {admin_of(server)} and trust it (step 4; "
            f"`ereg-desktop hosts trust {server.id}`)"
        )
    if isinstance(error, ChangedHostKey):
        return (
            f"the host key changed: pinned {error.expected_fingerprint}, the server shows "
            f"{error.offered_fingerprint}. Refused (this can be an attack): if the server was "
            f"reinstalled, ask {admin_of(server)} for the new fingerprint"
        )
    if isinstance(error, AuthFailed):
        return (
            f"the server refused the key: it is not yet in authorized_keys of {server.user}@"
            f"{server.host} (send the message of step 3 to {admin_of(server)}; `ereg-desktop keys "
            f"public --server {server.id}` prints it)"
        )
    if isinstance(error, Unreachable):
        return f"cannot reach {where} ({error.reason})"
    if isinstance(error, NoAnswer):
        return f"connected to {where}, but {error.reason}"
    if isinstance(error, EregError):
        return str(error)
    return f"{type(error).__name__}: {error}"[:300]


def _step_of(error: BaseException) -> str:
    """Which step an error of the connection says failed."""
    if isinstance(error, UnknownHostKey | ChangedHostKey):
        return HOST_KEY
    if isinstance(error, AuthFailed | NoUsableKey):
        return LOGIN
    return REACH


def check_connection(
    server: Server,
    secrets: SecretStore,
    known_hosts: KnownHosts,
    ask_passphrase: PassphraseSource | None = None,
    timeout: float = 10.0,
    pm2_command: str = "pm2",
) -> list[CheckStep]:
    """One :class:`CheckStep` per entry of :data:`STEPS`, in order; after the first failure that
    stops the rest, those are "not tried". Never raises for what it checks."""
    from ereg_desktop.services.keys import load_pkey

    steps: list[CheckStep] = []
    pkey: paramiko.PKey | None = None
    try:
        pkey = load_pkey(secrets, server.id, ask_passphrase)
        steps.append(CheckStep(KEY, "ok", f"{pkey.get_name()} key from the OS keyring"))
    except EregError as exc:
        steps.append(CheckStep(KEY, "failed", explain(exc, server)))
    if pkey is None:  # still worth knowing: is the server there, and which host key does it show
        steps += _without_key(server, known_hosts, timeout)
    else:
        steps += _log_in(server, pkey, known_hosts, timeout, pm2_command)
    done = {step.title for step in steps}
    steps += [CheckStep(t, "not tried", "needs the steps above") for t in STEPS if t not in done]
    return steps


def _without_key(server: Server, known_hosts: KnownHosts, timeout: float) -> list[CheckStep]:
    from ereg_desktop.remote.hostkeys import fetch_host_key, fingerprint

    try:
        pinned = known_hosts.pinned(server.host, server.port, server)
        offered = fetch_host_key(server, timeout)
    except EregError as exc:
        return [CheckStep(_step_of(exc), "failed", explain(exc, server))]
    steps = [CheckStep(REACH, "ok", f"{server.host}:{server.port} answers (SSH)")]
    offered_fp = fingerprint(offered)
    pinned_fps = {fingerprint(key) for key in pinned.values()}
    if offered_fp in pinned_fps:
        steps.append(CheckStep(HOST_KEY, "ok", f"trusted: {offered.get_name()} {offered_fp}"))
    elif offered.get_name() in pinned:
        expected = fingerprint(pinned[offered.get_name()])
        error = ChangedHostKey(server, expected, offered_fp)
        steps.append(CheckStep(HOST_KEY, "failed", explain(error, server)))
    elif not pinned:
        unknown = UnknownHostKey(server, offered.get_name(), offered_fp)
        steps.append(CheckStep(HOST_KEY, "failed", explain(unknown, server), offered_fp))
    else:  # another type is pinned: the login would agree on that one
        shown = ", ".join(sorted(pinned_fps))
        steps.append(CheckStep(HOST_KEY, "ok", f"pinned: {shown}"))
    return steps


def _log_in(
    server: Server,
    pkey: paramiko.PKey,
    known_hosts: KnownHosts,
    timeout: float,
    pm2_command: str,
) -> list[CheckStep]:
    from ereg_desktop.remote.connection import ConnectionPool as Pool
    from ereg_desktop.remote.hostkeys import fingerprint

    def key(_server: Server) -> paramiko.PKey:
        return pkey

    pool = Pool(known_hosts, key, connect_timeout=timeout)
    steps: list[CheckStep] = []
    try:
        try:
            transport = pool.transport(server)
        except EregError as exc:
            failed = _step_of(exc)
            if failed != REACH:
                steps.append(CheckStep(REACH, "ok", f"{server.host}:{server.port} answers (SSH)"))
            if failed == LOGIN:
                steps.append(CheckStep(HOST_KEY, "ok", "trusted"))
            offered = exc.offered_fingerprint if isinstance(exc, UnknownHostKey) else ""
            steps.append(CheckStep(failed, "failed", explain(exc, server), offered))
            return steps
        host_key = transport.get_remote_server_key()
        steps += [
            CheckStep(REACH, "ok", f"{server.host}:{server.port} answers (SSH)"),
            CheckStep(HOST_KEY, "ok", f"trusted: {host_key.get_name()} {fingerprint(host_key)}"),
            CheckStep(LOGIN, "ok", f"logged in as {server.user}"),
        ]
        steps.append(_pm2(server, pool, timeout, pm2_command))
    finally:
        pool.close()
    return steps


def _pm2(server: Server, pool: ConnectionPool, timeout: float, pm2_command: str) -> CheckStep:
    try:
        result = pool.run(server, ["command", "-v", pm2_command], timeout=timeout)
    except EregError as exc:
        return CheckStep(PM2, "failed", explain(exc, server))
    found = result.stdout.strip()
    if result.exit_code == 0 and found:
        return CheckStep(PM2, "ok", f"{pm2_command} is {found.splitlines()[0]}")
    return CheckStep(
        PM2,
        "failed",
        f"{pm2_command} is not on the account's login PATH (bash -lc 'command -v {pm2_command}' "
        f"on {server.user}@{server.host} found nothing): ask {admin_of(server)} to install pm2 "
        "for that account, or to add its folder to PATH in ~/.profile",
    )


def all_ok(steps: list[CheckStep]) -> bool:
    return bool(steps) and all(step.ok for step in steps)


def summary(steps: list[CheckStep]) -> str:
    """The first thing missing, or that everything works."""
    failed = next((step for step in steps if step.state == "failed"), None)
    if failed is None:
        return "Everything works: the app can reach the server, log in and run pm2."
    return f"{failed.title}: {failed.message}"
