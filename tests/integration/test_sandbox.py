"""The sandbox itself works with the real programs: sshd, pm2, git, node, gnome-keyring."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import socket
import subprocess
import sys
import time

import paramiko
import pytest
from sandbox import Sandbox, wait_for
from sandbox.apps import SCAN_MAP, scan_map
from sandbox.procs import user_processes


def connect(sandbox: Sandbox, known_hosts_line: str | None = None) -> paramiko.SSHClient:
    """Pinned host key (RejectPolicy: never auto-add), key-only auth with the client key."""
    client = paramiko.SSHClient()
    if known_hosts_line is not None:
        entry = paramiko.hostkeys.HostKeyEntry.from_line(known_hosts_line)
        assert entry is not None and entry.key is not None
        for name in entry.hostnames:
            client.get_host_keys().add(name, entry.key.get_name(), entry.key)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    pkey = paramiko.Ed25519Key.from_private_key(io.StringIO(sandbox.client_key_text))
    client.connect(
        sandbox.host,
        port=sandbox.port,
        username=sandbox.user,
        pkey=pkey,
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
        banner_timeout=10,
        auth_timeout=10,
    )
    return client


def ssh_run(client: paramiko.SSHClient, cmd: str, timeout: float = 120) -> tuple[int, str, str]:
    _, stdout, stderr = client.exec_command(cmd, timeout=timeout)
    out = stdout.read().decode()
    err = stderr.read().decode()
    return stdout.channel.recv_exit_status(), out, err


def parse_jlist(out: str) -> list[dict]:
    line = next(ln for ln in reversed(out.splitlines()) if ln == "[]" or ln.startswith("[{"))
    return list(json.loads(line))


@pytest.fixture
def ssh(sandbox: Sandbox):
    client = connect(sandbox, sandbox.known_hosts_line())
    yield client
    client.close()


def test_ssh_with_pinned_key_and_login_shell_path(sandbox: Sandbox, ssh: paramiko.SSHClient):
    assert ssh_run(ssh, "whoami")[1].strip() == sandbox.user
    rc, _, _ = ssh_run(ssh, "command -v pm2")
    assert rc != 0, "pm2 must not be on the PATH of a plain (non-login) exec"
    rc, out, _ = ssh_run(ssh, "bash -lc 'command -v pm2 pm2-deploy update-translations node npm'")
    assert rc == 0, out
    rc, out, err = ssh_run(ssh, "bash -lc 'pm2 jlist'")
    assert rc == 0, err
    procs = {p["name"]: p for p in parse_jlist(out)}
    assert set(sandbox.apps) <= set(procs)
    for app in ("gt", "gt-dev", "els", "proto"):
        assert procs[app]["pm2_env"]["status"] == "online", app
        assert procs[app]["pm2_env"]["pm_cwd"] == str(sandbox.app_dir(app))
    assert sandbox.run_as_user("command -v pm2", login=False).returncode != 0
    assert sandbox.run_as_user("command -v pm2").returncode == 0


def test_unknown_host_key_is_rejected(sandbox: Sandbox):
    with pytest.raises(paramiko.SSHException):
        connect(sandbox, known_hosts_line=None).close()


def test_planted_secrets_show_in_raw_jlist(sandbox: Sandbox):
    raw = sandbox.pm2_jlist_raw()
    assert len(sandbox.secrets) == 3 * len(sandbox.apps)
    for secret in sandbox.secrets:
        assert secret in raw
    procs = {p["name"]: p for p in parse_jlist(raw)}
    for app, planted in sandbox.app_secrets.items():
        env = procs[app]["pm2_env"]
        assert env["env"]["FAKE_DB_PASSWORD"] == planted["FAKE_DB_PASSWORD"]
        assert env["API_TOKEN_FAKE"] == planted["API_TOKEN_FAKE"]  # copied flat too
        assert f"--fake-token={planted['arg']}" in env["args"]


def test_apps_answer_and_gt_holds_memory(sandbox: Sandbox):
    for app in ("gt", "gt-dev", "els", "proto"):
        answer = sandbox.http_get(app)
        assert answer and answer["app"] == app and answer["commit"] == sandbox.head(app)
    assert sandbox.http_get("gt")["heldMb"] == 50
    assert sandbox.pm2_process("gt")["monit"]["memory"] > 50 * 2**20


def test_crashy_keeps_restarting(sandbox: Sandbox):
    def restarts() -> int:
        return int(sandbox.pm2_process("crashy")["pm2_env"]["restart_time"])

    first = restarts()
    wait_for(lambda: restarts() >= first + 2, 20, "crashy to restart twice", interval=0.3)
    assert sandbox.pm2_status("crashy") in ("online", "launching", "waiting restart", "stopping")


def test_push_commit_then_pm2_deploy_brings_app_to_origin_master(
    sandbox: Sandbox, ssh: paramiko.SSHClient
):
    app = "gt-dev"
    before = sandbox.head(app)
    sandbox.git(app, "fetch", "-q")
    # other tests may have pushed commits nobody deployed yet (pending commits, `due`)
    behind = int(sandbox.git(app, "rev-list", "--count", "HEAD..origin/master"))
    sha = sandbox.push_commit(app, {"CHANGELOG.md": "# Changes\n\n- a fix\n"}, "Fix something")
    assert sandbox.origin_head(app) == sha != before
    assert sandbox.head(app) == before
    sandbox.git(app, "fetch", "-q")
    assert int(sandbox.git(app, "rev-list", "--count", "HEAD..origin/master")) == behind + 1

    sandbox.set_setup(app, seconds=1)
    (sandbox.app_dir(app) / SCAN_MAP).unlink()  # setup writes it again
    t0 = time.monotonic()
    rc, out, err = ssh_run(ssh, f"bash -lc 'pm2-deploy {app}'")
    took = time.monotonic() - t0
    assert rc == 0, out + err
    assert took >= 1
    assert "\r[" in out and "\x1b[" in out  # npm-like progress lines and colour
    assert "npm WARN" in err
    assert sandbox.head(app) == sha
    assert sandbox.git(app, "rev-parse", "--abbrev-ref", "HEAD") == "master"
    assert sandbox.git(app, "status", "--porcelain") == ""
    sandbox.wait_online(app)
    assert sandbox.http_get(app)["commit"] == sha
    assert (sandbox.app_dir(app) / "build/setup-done.json").is_file()
    assert json.loads((sandbox.app_dir(app) / SCAN_MAP).read_text()) == scan_map(app)
    planted = sandbox.app_secrets[app]["FAKE_DB_PASSWORD"]
    assert sandbox.pm2_process(app)["pm2_env"]["env"]["FAKE_DB_PASSWORD"] == planted


def test_failing_setup_fails_deploy_and_leaves_app_stopped(sandbox: Sandbox):
    app = "els"
    sandbox.set_setup(app, seconds=0.5, fail=True)
    try:
        res = sandbox.run_as_user(["pm2-deploy", app])
        assert res.returncode != 0
        assert "npm run setup" in res.stderr and "FAIL_SETUP" in res.stderr
        assert sandbox.pm2_status(app) == "stopped"
        assert sandbox.http_get(app) is None
    finally:
        sandbox.set_setup(app, seconds=2, fail=False)
        sandbox.pm2("start", app, check=True)
    sandbox.wait_online(app)


def test_update_translations_pushes_a_branch(sandbox: Sandbox):
    app = "proto"
    path = sandbox.app_dir(app) / "i18n-messages.json"
    messages = json.loads(path.read_text())
    messages["New key"] = "Nueva clave"
    sandbox.write_app_file(app, "i18n-messages.json", json.dumps(messages, indent=2) + "\n")
    sandbox.write_app_file(app, "data/regions.json", '{\n  "north": "Norte"\n}\n')
    master = sandbox.origin_head(app)

    res = sandbox.run_as_user("update-translations", cwd=sandbox.app_dir(app))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "pushed server-translations" in res.stdout

    repo = sandbox.bare_repo(app)
    branch = sandbox.origin_head(app, "server-translations")
    assert sandbox.git(repo, "rev-parse", f"{branch}^") == master
    changed = sandbox.git(repo, "diff", "--name-only", master, branch).split()
    assert sorted(changed) == ["data/regions.json", "i18n-messages.json"]
    assert '"New key": "Nueva clave"' in sandbox.git(repo, "show", f"{branch}:i18n-messages.json")
    assert sandbox.git(app, "status", "--porcelain") == ""
    assert sandbox.git(app, "rev-parse", "--abbrev-ref", "HEAD") == "master"
    again = sandbox.run_as_user("update-translations", cwd=sandbox.app_dir(app))
    assert again.returncode == 0 and "nothing to commit" in again.stdout


def test_stop_sshd_refuses_connections_until_started(sandbox: Sandbox):
    sandbox.stop_sshd()
    try:
        with pytest.raises((paramiko.ssh_exception.NoValidConnectionsError, socket.error)):
            connect(sandbox, sandbox.known_hosts_line())
    finally:
        sandbox.start_sshd()
    client = connect(sandbox, sandbox.known_hosts_line())
    assert ssh_run(client, "echo ok")[1] == "ok\n"
    client.close()


def test_restart_sshd_with_new_host_key(sandbox: Sandbox):
    old_fp, old_line = sandbox.host_key_fingerprint(), sandbox.known_hosts_line()
    assert re.fullmatch(r"SHA256:[A-Za-z0-9+/]{43}", old_fp)
    sandbox.restart_sshd(new_host_key=True)
    new_fp = sandbox.host_key_fingerprint()
    assert new_fp != old_fp
    with pytest.raises(paramiko.BadHostKeyException):
        connect(sandbox, old_line)
    client = connect(sandbox, sandbox.known_hosts_line())
    key = client.get_transport().get_remote_server_key()
    digest = base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")
    assert f"SHA256:{digest}" == new_fp
    client.close()


def test_secret_service_round_trip(secret_service: dict[str, str]):
    code = (
        "from keyring.backends.SecretService import Keyring\n"
        "k = Keyring()\n"
        "k.set_password('ereg-desktop-test', 'alice', 'FAKE-keyring-secret')\n"
        "print(k.get_password('ereg-desktop-test', 'alice'))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        env=secret_service,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "FAKE-keyring-secret"


def test_a_second_sandbox_takes_another_user_and_tears_down_cleanly(sandbox: Sandbox):
    """Even when the test body fails: pm2 killed, no process of its user left, files removed."""
    other = Sandbox(user=f"{sandbox.user}-b")  # its own user, also when EREG_TEST_USER is set
    with pytest.raises(RuntimeError, match="test body failed"), other:
        assert other.user != sandbox.user
        assert other.wait_online("gt")["pm2_env"]["status"] == "online"
        assert other.host_key_fingerprint() != sandbox.host_key_fingerprint()
        root, uid = other.root, other.uid
        raise RuntimeError("test body failed")
    assert root is not None and not root.exists()
    assert user_processes(uid) == []
    assert sandbox.pm2_status("gt") == "online"  # the session's sandbox is untouched
