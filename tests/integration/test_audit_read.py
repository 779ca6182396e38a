"""The team's audit file on the real server: read after a real deploy, robust against broken
lines, through the service and through ``ereg-desktop history --server-audit``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import FAST, make_pool, make_ref, shell
from test_status_support import SERVER_ID, cli_env, run_cli, write_config

from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.audit import MAX_LINE, read_server_audit
from ereg_desktop.services.deploy.workflow import DeployRun, Outcome
from ereg_desktop.store.history import History

WHITELIST = {"kind", "app", "server", "environment", "operator", "machine", "started_at",
             "ended_at", "result", "app_state", "commit_before", "commit_after", "job", "message",
             "downtime_s", "pending_commits", "reasons"}  # fmt: skip


@pytest.fixture
def deployed(sandbox: Any, tmp_path: Path) -> Any:
    app = "gt-dev"
    sandbox.set_setup(app, seconds=1, fail=False)
    new = sandbox.push_commit(app, {"audit-read.txt": "z\n"}, "Read back from the audit")
    pool = make_pool(sandbox, tmp_path)
    ref = make_ref(sandbox, app)
    run = DeployRun(ref, shell(pool, ref), operator="Tester", guard=WriteGuard(), settings=FAST,
                    history=History(tmp_path / "h.sqlite3"))  # fmt: skip
    result = run.run()
    assert result.outcome == Outcome.DEPLOYED, result.message
    yield pool, ref, result, new
    pool.close()


def test_read_the_real_audit_after_a_deploy_and_survive_broken_lines(
    sandbox: Any, deployed: Any, tmp_path: Path
) -> None:
    pool, ref, result, new = deployed
    got = read_server_audit(shell(pool, ref), SERVER_ID, ref.app)
    mine = [r for r in got.records if r.get("job") == result.job_id]
    assert len(mine) == 1
    rec = mine[0]
    assert set(rec) <= WHITELIST and "steps" not in rec
    assert rec["result"] == "deployed" and rec["commit_after"] == new
    assert rec["operator"] == "Tester" and rec["server"] == "sandbox"

    audit_file = Path(sandbox.home) / ".ereg-desktop/audit.jsonl"
    original = audit_file.read_text()
    try:
        broken = original + "garbage {\n" + "x" * (MAX_LINE * 3) + "\n" + '{"app": "gt-dev", "ki'
        sandbox.write_user_file(audit_file, broken)
        again = read_server_audit(shell(pool, ref), SERVER_ID, ref.app)
        assert again.skipped == 3
        assert [r for r in again.records if r.get("job") == result.job_id] == mine

        # the CLI: offline by default, the team's records with --server-audit
        cfg = tmp_path / "cfg"
        write_config(sandbox, cfg)
        env = cli_env(tmp_path / "keyring.json")
        base = ["--config-dir", str(cfg)]
        res = run_cli([*base, "keys", "import", str(sandbox.client_key_path), "--server",
                       SERVER_ID], env)  # fmt: skip
        assert res.returncode == 0, res.stderr
        fp = sandbox.host_key_fingerprint()
        res = run_cli([*base, "hosts", "trust", SERVER_ID, "--fingerprint", fp], env)
        assert res.returncode == 0, res.stderr
        res = run_cli([*base, "history", ref.app, "--json"], env)
        assert res.returncode == 0 and json.loads(res.stdout) == [], res.stderr
        res = run_cli([*base, "history", ref.app, "--json", "--server-audit"], env)
        assert res.returncode == 0, res.stderr
        rows = [r for r in json.loads(res.stdout) if r.get("job") == result.job_id]
        assert len(rows) == 1 and rows[0]["source"] == "server"
        assert "3 unreadable audit line(s) skipped" in res.stderr
        res = run_cli([*base, "history", ref.app, "--server-audit"], env)
        assert res.returncode == 0 and "[server]" in res.stdout and "by Tester on" in res.stdout
    finally:
        sandbox.write_user_file(audit_file, original)
