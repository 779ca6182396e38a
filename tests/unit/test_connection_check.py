"""What a connection test says is missing, from the real errors of the keyring, the key and the
connection (a refused port, a peer that is not SSH, a wrong passphrase); saving the operator; what
a new computer still needs; and `ereg-desktop doctor`."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from memory_keyring import MemoryKeyring

from ereg_desktop.cli import main
from ereg_desktop.errors import EXIT_CONNECTION, BadInputError, InventoryError
from ereg_desktop.remote.errors import (
    AuthFailed,
    ChangedHostKey,
    NoAnswer,
    NoUsableKey,
    UnknownHostKey,
    Unreachable,
)
from ereg_desktop.remote.hostkeys import KnownHosts
from ereg_desktop.remote.tcp import open_socket
from ereg_desktop.services import keys
from ereg_desktop.services.connection_check import (
    HOST_KEY,
    KEY,
    LOGIN,
    PM2,
    REACH,
    STEPS,
    all_ok,
    check_connection,
    explain,
    summary,
)
from ereg_desktop.services.first_run import operator_problems, save_operator, setup_needed
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.inventory_file import InventoryFile
from ereg_desktop.store.secrets import SecretStore

ADMIN = "Mariusz Nowak"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server(port: int = 22, admin: str = ADMIN) -> Server:
    return Server(id="unctad", host="127.0.0.1", port=port, user="eregistrations", admin=admin)


@pytest.fixture
def store() -> SecretStore:
    return SecretStore(MemoryKeyring())


@pytest.fixture
def not_ssh() -> Iterator[int]:
    """A TCP server that closes every connection at once: not an SSH server."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    listener.close()


# --- the mapping ---------------------------------------------------------------------------------


def test_refused_key_says_authorized_keys_and_who_adds_it() -> None:
    text = explain(AuthFailed(server()), server())
    assert text.startswith("the server refused the key: it is not yet in authorized_keys")
    assert "eregistrations@127.0.0.1" in text and ADMIN in text and "step 3" in text
    assert "the server's administrator" in explain(AuthFailed(server(admin="")), server(admin=""))


def test_refused_port_names_host_and_port() -> None:
    port = closed_port()
    with pytest.raises(Unreachable) as caught:
        open_socket(server(port), 2.0)
    assert explain(caught.value, server(port)) == (
        f"cannot reach 127.0.0.1:{port} (connection refused on port {port})"
    )


def test_timeout_and_no_answer() -> None:
    timed_out = Unreachable(server(), "no answer within 10 s (timeout)")
    assert (
        explain(timed_out, server())
        == "cannot reach 127.0.0.1:22 (no answer within 10 s (timeout))"
    )
    slow = NoAnswer(server(), "the command", 10)
    assert (
        explain(slow, server())
        == "connected to 127.0.0.1:22, but the command gave no answer within 10 s"
    )


def test_host_key_unknown_and_changed() -> None:
    unknown = explain(UnknownHostKey(server(), "ssh-ed25519", "SHA256:abc"), server())
    assert "not trusted yet" in unknown and "ssh-ed25519 SHA256:abc" in unknown and ADMIN in unknown
    changed = explain(ChangedHostKey(server(), "SHA256:old", "SHA256:new"), server())
    assert changed.startswith(
        "the host key changed: pinned SHA256:old, the server shows SHA256:new"
    )


def test_key_problems_through_the_pool_error(store: SecretStore, tmp_path: Path) -> None:
    with pytest.raises(keys.NoKeyStored) as missing:
        keys.load_pkey(store, "unctad")
    wrapped = NoUsableKey(server(), missing.value)
    assert explain(wrapped, server()).startswith("no SSH key is stored for unctad")
    key_path = encrypted_key_file(tmp_path, "right")
    keys.import_key(store, "unctad", key_path, "right", "test")
    with pytest.raises(keys.WrongPassphrase) as wrong:
        keys.load_pkey(store, "unctad", lambda _id: "wrong")
    assert explain(wrong.value, server()).startswith("wrong passphrase")
    with pytest.raises(keys.WrongPassphrase) as none:
        keys.load_pkey(store, "unctad", lambda _id: None)
    assert (
        explain(none.value, server()) == "the key is protected by a passphrase and none was given"
    )


def encrypted_key_file(tmp_path: Path, passphrase: str) -> Path:
    key = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path / "id_protected"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    return path


# --- the whole check (the real sshd: tests/integration/test_setup_connection.py) ----------------


def test_no_key_and_nothing_listening(store: SecretStore, tmp_path: Path) -> None:
    port = closed_port()
    steps = check_connection(server(port), store, KnownHosts(tmp_path / "kh"), timeout=2)
    assert [s.title for s in steps] == list(STEPS)
    assert [s.state for s in steps] == ["failed", "failed", "not tried", "not tried", "not tried"]
    assert "no SSH key" in steps[0].message and "connection refused" in steps[1].message
    assert not all_ok(steps) and summary(steps).startswith(f"{KEY}: no SSH key")


def test_wrong_passphrase_then_the_server_is_still_looked_at(
    store: SecretStore, tmp_path: Path, not_ssh: int
) -> None:
    keys.import_key(store, "unctad", encrypted_key_file(tmp_path, "right"), "right", "test")
    asked: list[str] = []
    steps = check_connection(
        server(not_ssh), store, KnownHosts(tmp_path / "kh"), lambda sid: asked.append(sid) or "bad", 2
    )  # fmt: skip
    assert asked == ["unctad"]
    by_title = {s.title: s for s in steps}
    assert by_title[KEY].message.startswith("wrong passphrase")
    assert by_title[REACH].state == "failed"
    assert "before SSH started (is it an SSH server?)" in by_title[REACH].message
    assert by_title[HOST_KEY].state == by_title[LOGIN].state == by_title[PM2].state == "not tried"


def test_with_a_key_a_peer_that_is_not_ssh_fails_at_reach(
    store: SecretStore, tmp_path: Path, not_ssh: int
) -> None:
    keys.generate_key(store, "unctad", "test")
    steps = check_connection(server(not_ssh), store, KnownHosts(tmp_path / "kh"), timeout=2)
    assert [s.state for s in steps] == ["ok", "failed", "not tried", "not tried", "not tried"]
    assert steps[0].message == "ssh-ed25519 key from the OS keyring"
    assert not (tmp_path / "kh").exists()  # a check pins nothing


# --- the operator, and what a new computer needs -------------------------------------------------


def test_operator_checks() -> None:
    assert operator_problems("Ana Operator", "ana-op") == []
    assert operator_problems("", "")[0].startswith("Type your name")
    assert "not a GitHub login" in operator_problems("Ana", "ana--op")[0]
    assert "not a GitHub login" in operator_problems("Ana", "-ana")[0]
    assert "control character" in operator_problems("Ana\x1b", "")[0]


def test_save_operator_keeps_the_rest_and_refuses_a_broken_file(tmp_path: Path) -> None:
    f = InventoryFile(tmp_path / "inventory.toml")
    before = f.load()  # writes the example
    saved = save_operator(f, " Ana Operator ", "@ana-op")
    again = f.load()
    assert (again.operator.name, again.operator.github) == ("Ana Operator", "ana-op")
    assert saved.operator == again.operator
    assert [s.id for s in again.servers] == [s.id for s in before.servers]
    assert [s.name for s in again.systems] == [s.name for s in before.systems]
    with pytest.raises(BadInputError):
        save_operator(f, "Ana", "not a login")
    f.path.write_text("[operator\nname = 1\n")
    with pytest.raises(InventoryError):
        save_operator(f, "Bob", "")
    assert f.path.read_text() == "[operator\nname = 1\n"


def test_setup_needed(store: SecretStore, tmp_path: Path) -> None:
    inv = InventoryFile(tmp_path / "inventory.toml").load()
    assert setup_needed(inv, store) == [
        "who you are (your name in the inventory)",
        "an SSH key for unctad",
    ]
    inv.operator.name = "Ana"
    keys.generate_key(store, "unctad", "test")
    assert setup_needed(inv, store) == []


def test_doctor_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = closed_port()
    config = tmp_path / "config"
    config.mkdir()
    (config / "inventory.toml").write_text(
        f'[operator]\nname = "Ana"\n[[servers]]\nid = "unctad"\nhost = "127.0.0.1"\nport = {port}\n'
    )
    keys.generate_key(SecretStore.from_environment(), "unctad", "test")
    code = main(["--config-dir", str(config), "doctor", "--timeout", "2"])
    out = capsys.readouterr().out
    assert code == EXIT_CONNECTION
    assert "ok   SSH key: ssh-ed25519 key from the OS keyring" in out
    assert f"FAIL Reach the server: cannot reach 127.0.0.1:{port} (connection refused" in out
    assert out.strip().endswith(
        f"Reach the server: cannot reach 127.0.0.1:{port} (connection refused on port {port})"
    )
