"""The real sshd behind a damaged known_hosts: a pinned server whose line broke is refused naming
the line, on the poll and in the CLI, and an explicit re-trust with the fingerprint repairs it."""

from __future__ import annotations

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

from ereg_desktop.remote.errors import KnownHostsDamaged
from ereg_desktop.remote.hostkeys import KnownHosts, fetch_host_key
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.status import CONNECTED, UNREACHABLE
from ereg_desktop.store.secrets import SecretStore


@pytest.mark.hostile(
    area="files: known_hosts",
    tried="the real server's pinned line in known_hosts cut short (a disk or editor truncation)",
    outcome="poll and CLI refuse it naming file:line, never 'not trusted yet'; "
    "`hosts trust --fingerprint` replaces the line and the server connects",
)
def test_a_truncated_pin_is_refused_until_retrusted(
    sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    store_sandbox_key(store, sandbox)
    server = sandbox_server(sandbox)
    cfg = tmp_path / "cfg"
    write_config(sandbox, cfg)
    kh = cfg / "known_hosts"
    KnownHosts(kh).trust(server.host, server.port, fetch_host_key(server))
    pinned_line = kh.read_bytes()
    kh.write_bytes(b"# kept\n" + pinned_line[: len(pinned_line) * 2 // 3] + b"\n")

    mon = Monitor(make_pool(store, kh))
    status = mon.poll(server)
    assert status.state == UNREACHABLE and f"{kh}:2:" in status.reason
    assert isinstance(mon.problem(server.id), KnownHostsDamaged)

    env = cli_env(tmp_path / "keyring.json")
    base = ["--config-dir", str(cfg)]
    assert run_cli([*base, "keys", "import", str(sandbox.client_key_path)], env).returncode == 0
    res = run_cli([*base, "status", "--json"], env)
    assert res.returncode == 3 and f"{kh}:2:" in res.stderr
    assert "not trusted yet" not in res.stderr and "Traceback" not in res.stderr
    res = run_cli([*base, "hosts", "trust", SERVER_ID], env)  # no y/N way past a damaged pin
    assert res.returncode == 3 and f"{kh}:2:" in res.stderr
    fp = sandbox.host_key_fingerprint()
    res = run_cli([*base, "hosts", "trust", SERVER_ID, "--fingerprint", fp], env)
    assert res.returncode == 0, res.stderr
    assert kh.read_bytes() == b"# kept\n" + pinned_line
    assert run_cli([*base, "status", "--json"], env).returncode == 0
    mon.pool.drop(server.id)
    assert mon.poll(server).state == CONNECTED
    mon.pool.close()
