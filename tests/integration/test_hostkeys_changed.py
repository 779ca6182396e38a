"""A server that comes back with a new host key is refused until an explicit re-trust; a stopped
sshd is UNREACHABLE within the connect timeout. These restart the shared sshd, so run last."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sandbox import Sandbox
from test_status_support import (
    SERVER_ID,
    cli_env,
    make_pool,
    run_cli,
    sandbox_server,
    store_sandbox_key,
    write_config,
)

from ereg_desktop.remote.errors import ChangedHostKey
from ereg_desktop.remote.hostkeys import KnownHosts, fetch_host_key
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.status import CONNECTED, UNREACHABLE
from ereg_desktop.store.secrets import SecretStore


@pytest.mark.hostile(
    area="host keys",
    tried="the server shows another host key than the pinned one (sshd's key replaced)",
    outcome="refused as HOST KEY CHANGED with both fingerprints; only an explicit re-trust "
    "with the new fingerprint gets past it",
)
def test_changed_host_key_is_refused_until_retrusted(
    sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    store_sandbox_key(store, sandbox)
    server = sandbox_server(sandbox)
    kh = tmp_path / "known_hosts"
    KnownHosts(kh).trust(server.host, server.port, fetch_host_key(server))
    old_fp = sandbox.host_key_fingerprint()
    mon = Monitor(make_pool(store, kh))
    assert mon.poll(server).state == CONNECTED

    sandbox.restart_sshd(new_host_key=True, kill_sessions=True)
    new_fp = sandbox.host_key_fingerprint()
    assert new_fp != old_fp
    st = mon.poll(server)
    assert st.state == UNREACHABLE
    problem = mon.problem(server.id)
    assert isinstance(problem, ChangedHostKey)
    assert (problem.expected_fingerprint, problem.offered_fingerprint) == (old_fp, new_fp)
    assert old_fp in str(problem) and new_fp in str(problem)
    assert KnownHosts(kh).pinned(server.host, server.port)  # the old pin is kept

    # the CLI refuses too (exit 3), and only an explicit re-trust with the fingerprint helps
    cfg = tmp_path / "cfg"
    write_config(sandbox, cfg)
    KnownHosts(cfg / "known_hosts").trust(server.host, server.port, KnownHosts(kh).pinned(
        server.host, server.port)["ssh-ed25519"])  # fmt: skip
    env = cli_env(tmp_path / "keyring.json")
    base = ["--config-dir", str(cfg)]
    assert run_cli([*base, "keys", "import", str(sandbox.client_key_path)], env).returncode == 0
    res = run_cli([*base, "status", "--json"], env)
    assert res.returncode == 3 and "CHANGED" in res.stderr and new_fp in res.stderr
    res = run_cli([*base, "hosts", "trust", SERVER_ID], env)  # no y/N way past a changed key
    assert res.returncode == 3 and "CHANGED" in res.stderr and old_fp in res.stderr
    res = run_cli([*base, "hosts", "trust", SERVER_ID, "--fingerprint", new_fp], env)
    assert res.returncode == 0, res.stderr
    assert run_cli([*base, "status", "--json"], env).returncode == 0
    mon.pool.close()


@pytest.mark.hostile(
    area="connection",
    tried="sshd stopped while the app has a connection to it",
    outcome="the server is unreachable within the poll's time limit, with the reason in words",
)
def test_stopped_sshd_is_unreachable_within_the_timeout(
    sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    store_sandbox_key(store, sandbox)
    server = sandbox_server(sandbox)
    kh = tmp_path / "known_hosts"
    KnownHosts(kh).trust(server.host, server.port, fetch_host_key(server))
    mon = Monitor(make_pool(store, kh, connect_timeout=10))
    assert mon.poll(server).state == CONNECTED
    sandbox.stop_sshd(kill_sessions=True)
    try:
        start = time.monotonic()
        st = mon.poll(server)
        assert st.state == UNREACHABLE
        assert time.monotonic() - start < 10
        assert st.reason
        # comes back by itself once sshd is back (after the backoff)
        sandbox.start_sshd()
        mon.pool.retry_now(server.id)
        assert mon.poll(server).state == CONNECTED
    finally:
        sandbox.start_sshd()
    mon.pool.close()
