"""The CLI's status refresh against the real pm2 records its samples in the metrics history,
and no environment value of the processes (the sandbox plants secrets) reaches that file."""

from __future__ import annotations

import json
from pathlib import Path

from sandbox import Sandbox
from test_status_support import SERVER_ID, cli_env, run_cli, write_config

from ereg_desktop.store.metrics import MetricsStore


def test_status_refreshes_are_recorded_without_secrets(sandbox: Sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    write_config(sandbox, cfg)
    env = cli_env(tmp_path / "keyring.json")
    base = ["--config-dir", str(cfg)]
    res = run_cli([*base, "keys", "import", str(sandbox.client_key_path), "--server", SERVER_ID],
                  env)  # fmt: skip
    assert res.returncode == 0, res.stderr
    fp = sandbox.host_key_fingerprint()
    res = run_cli([*base, "hosts", "trust", SERVER_ID, "--fingerprint", fp], env)
    assert res.returncode == 0, res.stderr
    for _ in range(2):
        res = run_cli([*base, "status", "--json"], env)
        assert res.returncode == 0, res.stderr
    shown = {r["app"]: r for r in json.loads(res.stdout)}

    db = cfg / "data" / "metrics.sqlite3"
    store = MetricsStore.open(db)
    gt = store.samples(SERVER_ID, "gt", 0, 2e10)
    assert len(gt) == 2 and gt[-1].memory_bytes == shown["gt"]["memory_bytes"] > 0
    assert {s.status for s in gt} == {"online"}
    assert store.samples(SERVER_ID, "crashy", 0, 2e10)
    store.close()
    res = run_cli([*base, "history", "gt", "--metrics", "--since", "1h", "--json"], env)
    assert res.returncode == 0, res.stderr
    assert [r["memory_bytes"] for r in json.loads(res.stdout)] == [s.memory_bytes for s in gt]

    written = b"".join(p.read_bytes() for p in (cfg / "data").iterdir() if p.is_file())
    assert b"gt-dev" in written  # the samples are in the file's bytes
    assert sandbox.secrets  # planted in the processes' environments and arguments
    for secret in sandbox.secrets:
        assert secret.encode() not in written
