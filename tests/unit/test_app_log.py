"""The app's own log: in the log dir (``--config-dir`` moves it), rotated, and no secret in it,
whatever a service logs (messages, arguments, tracebacks)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ereg_desktop.store import app_log
from ereg_desktop.store.paths import AppPaths

# planted fake secrets: none may reach the file
PASSPHRASE = "correct horse battery staple 7"
GHP = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
PAT = "github_pat_11ABCDEFG0" + "x" * 60
PEM_BODY = "MIIEowIBAAKCAQEAw4nE0Zk3vQ9lmRZk8pZ0q9oX0n7o1Hj3TqQm5m5l4A2e9cP0"
PEM = (
    f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY[::-1]}\n-----END RSA PRIVATE KEY-----"
)
OPENSSH_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
OPENSSH = (
    f"-----BEGIN OPENSSH PRIVATE KEY-----\n{OPENSSH_BODY}\n-----END OPENSSH PRIVATE KEY-----\n"
)
BEARER = "s3cr3t-bearer-value-42"


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths.resolve(tmp_path / "profile")


@pytest.fixture(autouse=True)
def _no_known_secrets() -> Iterator[None]:
    app_log.forget_secrets()  # what other tests taught the process
    yield
    app_log.forget_secrets()


@pytest.fixture
def logging_to(paths: AppPaths) -> Iterator[app_log.AppLog]:
    level = logging.getLogger("ereg_desktop").level
    current = app_log.setup(paths, "test")
    yield current
    current.close()
    logging.getLogger("ereg_desktop").setLevel(level)


def written(current: app_log.AppLog) -> str:
    assert current.flush(), "the log writer did not catch up"
    return current.path.read_text(encoding="utf-8")


def assert_no_secret(text: str) -> None:
    for secret in (PASSPHRASE, GHP, PAT, PEM_BODY, PEM_BODY[::-1], OPENSSH_BODY, BEARER):
        assert secret not in text


def test_the_log_is_in_the_log_dir_which_config_dir_moves(paths, tmp_path, logging_to) -> None:
    assert paths.log_dir == tmp_path / "profile" / "logs"
    assert logging_to.path == paths.log_dir / "ereg-desktop.log"
    text = written(logging_to)
    assert "started (test)" in text and str(paths.config_dir) in text


def test_the_platform_default_is_platformdirs_user_log_dir() -> None:
    import platformdirs

    expected = Path(platformdirs.user_log_dir("ereg-desktop", appauthor=False))
    assert AppPaths.resolve().log_dir == expected


@pytest.mark.parametrize(
    "planted",
    [
        PEM,
        OPENSSH,
        PEM[:80],  # a block cut short (a truncated paste)
        GHP,
        f"token={PAT}",
        f"Authorization: token {GHP[4:]}",
        f"{{'Authorization': 'Bearer {BEARER}', 'Accept': 'application/json'}}",
        f"authorization=Basic {BEARER}",
    ],
)
def test_what_looks_like_a_secret_is_redacted(planted: str) -> None:
    text = app_log.redact(f"before {planted} after")
    assert_no_secret(text)
    assert GHP[4:] not in text
    assert text.startswith("before ") and app_log.REDACTED in text


def test_ordinary_text_is_left_alone() -> None:
    line = "gt on unctad: restart done in 1.20 s; now online (pm2 restart gt)"
    assert app_log.redact(line) == line


def test_a_passphrase_the_process_knows_is_redacted_wherever_it_appears() -> None:
    app_log.remember_secret(PASSPHRASE)
    assert app_log.redact(f"x{PASSPHRASE}y") == f"x{app_log.REDACTED}y"
    app_log.remember_secret("abc")  # too short to be one: it would blank the log
    assert app_log.redact("abc") == "abc"


def test_other_handlers_see_the_record_as_it_was_logged(logging_to, caplog) -> None:
    app_log.remember_secret(PASSPHRASE)
    caplog.set_level(logging.INFO)
    logging.getLogger("ereg_desktop.services.x").info("said %s", PASSPHRASE)
    assert caplog.records[-1].args == (PASSPHRASE,)  # the app's handlers redact a copy
    assert PASSPHRASE not in written(logging_to)


@pytest.mark.allow_warning_logs
def test_records_of_the_services_carry_no_secret_in_message_arguments_or_traceback(
    logging_to,
) -> None:
    app_log.remember_secret(PASSPHRASE)
    service = logging.getLogger("ereg_desktop.services.some_service")
    service.info("key text %s", PEM)
    service.info("headers %r", {"Authorization": f"token {GHP}"})
    service.info("passphrase was %s, token %s", PASSPHRASE, PAT)
    try:
        raise RuntimeError(f"failed with {OPENSSH} and {PASSPHRASE}")
    except RuntimeError:
        service.error("an error", exc_info=True)
    service.info("where", stack_info=True)
    text = written(logging_to)
    assert_no_secret(text)
    assert "an error" in text and "Traceback (most recent call last)" in text
    assert text.count(app_log.REDACTED) >= 6


def test_the_secret_store_and_the_key_loader_make_their_secrets_known(logging_to) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from memory_keyring import MemoryKeyring

    from ereg_desktop.services import keys
    from ereg_desktop.store.secrets import PASSPHRASE as PASSPHRASE_ENTRY
    from ereg_desktop.store.secrets import SecretStore, get_github_token, set_github_token

    store = SecretStore(MemoryKeyring())
    fresh_token = "ghx-not-a-github-shape-" + "q" * 12  # nothing but the registry catches it
    set_github_token(store, fresh_token)
    store.put(PASSPHRASE_ENTRY, "the-stored-passphrase-9", "unctad")
    assert get_github_token(SecretStore(MemoryKeyring())) == fresh_token
    typed = "typed-at-the-prompt-passphrase"
    key = ed25519.Ed25519PrivateKey.generate()
    text = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.BestAvailableEncryption(typed.encode()),
    ).decode()
    keys.load_private_key(text, typed)  # as the prompt's passphrase is used at a connect
    service = logging.getLogger("ereg_desktop.services.deploy")
    service.info("%s / %s / %s", fresh_token, "the-stored-passphrase-9", typed)
    logged = written(logging_to)
    assert fresh_token not in logged and typed not in logged
    assert "the-stored-passphrase-9" not in logged


@pytest.mark.allow_warning_logs
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_uncaught_exceptions_in_threads_are_logged_with_their_traceback(logging_to) -> None:
    def fail() -> None:
        raise ValueError(f"boom {GHP}")

    thread = threading.Thread(target=fail, name="worker-7")
    thread.start()
    thread.join(10)
    text = written(logging_to)
    assert "uncaught exception in thread worker-7" in text and "ValueError: boom" in text
    assert_no_secret(text)


def test_the_file_is_rotated_keeping_five(paths, monkeypatch) -> None:
    monkeypatch.setattr(app_log, "MAX_BYTES", 2_000)
    current = app_log.setup(paths, "rotation")
    try:
        service = logging.getLogger("ereg_desktop.services.busy")
        for i in range(400):
            service.info("line %d %s", i, "x" * 80)
        assert current.flush()
        files = sorted(p.name for p in paths.log_dir.iterdir())
        assert files == [
            "ereg-desktop.log",
            *(f"ereg-desktop.log.{n}" for n in range(1, app_log.BACKUPS + 1)),
        ]
        assert all(p.stat().st_size <= 2_200 for p in paths.log_dir.iterdir())
        assert "line 399" in current.path.read_text(encoding="utf-8")
    finally:
        current.close()


@pytest.mark.allow_warning_logs
def test_warnings_also_reach_stderr_redacted(logging_to, capsys) -> None:
    logging_to.stderr.setStream(__import__("sys").stderr)  # capsys's stream
    logging.getLogger("ereg_desktop.store.settings").warning("bad file; token %s", GHP)
    err = capsys.readouterr().err
    assert "bad file; token" in err and GHP not in err


def test_a_command_logs_its_start(tmp_path) -> None:
    from ereg_desktop.cli import main

    level = logging.getLogger("ereg_desktop").level
    try:
        assert main(["--config-dir", str(tmp_path / "p"), "inventory"]) == 0
        current = app_log.current()
        assert current is not None and current.path == tmp_path / "p" / "logs" / app_log.LOG_FILE
        assert "started (command inventory)" in written(current)
    finally:
        current = app_log.current()
        if current is not None:
            current.close()
        logging.getLogger("ereg_desktop").setLevel(level)


def test_a_log_dir_that_cannot_be_made_is_said_once_and_nothing_breaks(tmp_path, capfd) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    current = app_log.setup(AppPaths.resolve(blocker), "blocked")
    try:
        logging.getLogger("ereg_desktop.services.x").info("still fine")
        assert current.flush()
        assert "no log file" in capfd.readouterr().err
    finally:
        current.close()
