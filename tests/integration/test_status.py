"""Live status against the real pm2: rows match `pm2 jlist`, crashes show, no secret leaks."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox import Sandbox, free_port, wait_for
from test_status_support import (
    SERVER_ID,
    cli_env,
    make_pool,
    run_cli,
    sandbox_server,
    store_sandbox_key,
    write_config,
)

from ereg_desktop.remote.errors import UnknownHostKey
from ereg_desktop.remote.hostkeys import KnownHosts, fetch_host_key
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.status import CONNECTED, UNREACHABLE
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.secrets import SecretStore


@pytest.fixture
def monitor(sandbox: Sandbox, store: SecretStore, tmp_path: Path) -> Iterator[Monitor]:
    store_sandbox_key(store, sandbox)
    kh = tmp_path / "known_hosts"
    KnownHosts(kh).trust(sandbox.host, sandbox.port, fetch_host_key(sandbox_server(sandbox)))
    mon = Monitor(make_pool(store, kh))
    yield mon
    mon.pool.close()


def test_poll_matches_pm2_jlist(sandbox: Sandbox, monitor: Monitor) -> None:
    server = sandbox_server(sandbox)
    st = monitor.poll(server)
    truth = {p["name"]: p for p in sandbox.pm2_jlist()}
    assert st.state == CONNECTED and st.pm2_running and monitor.problem(server.id) is None
    assert set(st.apps) == set(truth) >= {"gt", "gt-dev", "els", "crashy", "proto"}
    for name in ("gt", "gt-dev", "els", "proto"):
        app, raw = st.apps[name], truth[name]
        assert app.status == raw["pm2_env"]["status"] == "online"
        assert app.pid == raw["pid"]
        assert app.uptime_s is not None and app.uptime_s >= 0
    assert st.apps["gt"].memory_bytes > 40 * 1024 * 1024  # HOLD_MB=50
    for secret in sandbox.secrets:
        assert secret not in repr(st)


def test_crashy_restarts_go_up(sandbox: Sandbox, monitor: Monitor) -> None:
    server = sandbox_server(sandbox)
    first = monitor.poll(server).apps["crashy"].restarts
    wait_for(lambda: monitor.poll(server).apps["crashy"].restarts > first, 20, "crashy restarting")


def test_refresh_reuses_the_connection(sandbox: Sandbox, monitor: Monitor) -> None:
    server = sandbox_server(sandbox)
    monitor.poll(server)
    transport = monitor.pool.transport(server)
    for _ in range(3):
        assert monitor.poll(server).state == CONNECTED
    assert monitor.pool.transport(server) is transport


def test_unknown_host_is_unreachable_with_a_typed_problem(
    sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    store_sandbox_key(store, sandbox)
    mon = Monitor(make_pool(store, tmp_path / "kh"))
    st = mon.poll(sandbox_server(sandbox))
    assert st.state == UNREACHABLE and sandbox.host_key_fingerprint() in st.reason
    problem = mon.problem(SERVER_ID)
    assert isinstance(problem, UnknownHostKey)
    assert problem.offered_fingerprint == sandbox.host_key_fingerprint()


def test_cli_status_json_and_no_secrets_anywhere(sandbox: Sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    write_config(sandbox, cfg)
    env = cli_env(tmp_path / "keyring.json")
    base = ["--config-dir", str(cfg)]
    outputs: list[str] = []

    def cli(*args: str) -> tuple[int, str, str]:
        res = run_cli([*base, *args], env)
        outputs.extend([res.stdout, res.stderr])
        return res.returncode, res.stdout, res.stderr

    code, out, err = cli("keys", "import", str(sandbox.client_key_path), "--server", SERVER_ID)
    assert code == 0, err
    # not trusted yet: exit 3 with the fingerprint
    code, out, err = cli("status", "--json")
    assert code == 3 and sandbox.host_key_fingerprint() in err and "hosts trust" in err
    code, out, err = cli("hosts", "trust", SERVER_ID)  # not a TTY: refuses, prints it
    assert code == 3 and sandbox.host_key_fingerprint() in err
    code, out, err = cli("hosts", "trust", SERVER_ID, "--fingerprint", "SHA256:wrong")
    assert code == 3 and not (cfg / "known_hosts").exists()
    fp = sandbox.host_key_fingerprint()
    code, out, err = cli("hosts", "trust", SERVER_ID, "--fingerprint", fp)
    assert code == 0, err

    start = time.monotonic()
    code, out, err = cli("status", "--json")
    assert code == 0, err
    rows = json.loads(out)
    truth = {p["name"]: p for p in sandbox.pm2_jlist()}
    by_app = {r["app"]: r for r in rows}
    assert set(by_app) == set(truth)
    for row in rows:
        assert set(row) == {"server", "system", "environment", "app", "owner", "status", "pid",
                            "restarts", "uptime_s", "memory_bytes", "cpu_percent"}  # fmt: skip
        assert row["server"] == SERVER_ID
    assert by_app["gt"]["system"] == "Guatemala" and by_app["gt"]["environment"] == "production"
    assert by_app["gt-dev"]["environment"] == "development"
    assert by_app["proto"]["environment"] == "other" and by_app["proto"]["system"] is None
    for name in ("gt", "els", "proto"):
        assert by_app[name]["pid"] == truth[name]["pid"]
        assert by_app[name]["status"] == "online"
    assert time.monotonic() - start < 15

    code, out, err = cli("status", "--json", "els", "proto")
    assert code == 0 and {r["app"] for r in json.loads(out)} == {"els", "proto"}
    code, out, err = cli("status", "nope")
    assert code == 2 and "nope" in err
    code, out, err = cli("status")
    assert code == 0 and "Guatemala" in out and "online" in out
    code, out, err = cli("keys", "public")
    assert code == 0 and "Test Admin" in out

    everything = "\n".join(outputs)
    files = [p for p in cfg.rglob("*") if p.is_file()]
    assert files  # inventory, known_hosts, ...
    blobs = [everything] + [p.read_text(errors="replace") for p in files]
    key_body = "".join(sandbox.client_key_text.splitlines()[1:-1])
    for blob in blobs:
        for secret in sandbox.secrets:
            assert secret not in blob
        assert key_body[20:60] not in blob  # no part of the private key either
        assert "PRIVATE KEY" not in blob


def test_cli_exit_3_when_a_server_is_unreachable(sandbox: Sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    gone = Server(id="gone", host="127.0.0.1", port=free_port(), user="nobody", admin="X")
    write_config(sandbox, cfg, [gone])
    env = cli_env(tmp_path / "keyring.json")
    res = run_cli(["--config-dir", str(cfg), "keys", "generate", "--server", "gone"], env)
    assert res.returncode == 0, res.stderr
    res = run_cli(["--config-dir", str(cfg), "status", "--json"], env, timeout=40)
    assert res.returncode == 3
    assert "gone" in res.stderr and "refused" in res.stderr
    assert json.loads(res.stdout)  # the rows of the reachable part still print
