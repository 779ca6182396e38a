"""Keys the hard way: huge or endless key files, keyring writes that fail midway, damaged entries."""

from __future__ import annotations

import subprocess
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_secrets_backends import FailingKeyring, LimitedKeyring

from ereg_desktop.cli import main
from ereg_desktop.errors import EXIT_BAD_INPUT, EregError
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.remote.hostkeys import KnownHosts
from ereg_desktop.services import keys
from ereg_desktop.services.monitor import Monitor
from ereg_desktop.services.status import UNREACHABLE
from ereg_desktop.store.inventory import Server
from ereg_desktop.store.secrets import PRIVATE_KEY, PUBLIC_KEY, SecretCorrupted, SecretStore

SERVICE = "ereg-desktop:unctad"


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    LimitedKeyring.reset()
    FailingKeyring.arm(0)
    yield
    LimitedKeyring.reset()
    FailingKeyring.arm(0)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "inventory.toml").write_text(
        '[[servers]]\nid = "unctad"\nhost = "eregistrations.org"\n', encoding="utf-8"
    )
    monkeypatch.setenv("EREG_DESKTOP_KEYRING", "test_secrets_backends:LimitedKeyring")
    monkeypatch.delenv("EREG_KEY_PASSPHRASE", raising=False)
    return cfg


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            "dev-zero",
            marks=pytest.mark.hostile(
                area="keys",
                tried="`keys import /dev/zero` (a file that never ends)",
                outcome="'too large to be a private key' at once, memory stays small",
            ),
        ),
        pytest.param(
            "5mb",
            marks=pytest.mark.hostile(
                area="keys",
                tried="`keys import` of a 5 MB file",
                outcome="'too large to be a private key' from its size, before reading it",
            ),
        ),
    ],
)
def test_a_huge_key_file_is_too_large_without_reading_it(tmp_path: Path, make: str) -> None:
    if make == "5mb":
        path = tmp_path / "big"
        path.write_bytes(b"-----BEGIN OPENSSH PRIVATE KEY-----\n" + b"A" * 5_000_000)
    else:
        path = Path("/dev/zero")
    store = SecretStore(LimitedKeyring())
    tracemalloc.start()
    try:
        for call in (
            lambda: keys.key_needs_passphrase(path),
            lambda: keys.import_key(store, "unctad", path, None, "c"),
        ):
            with pytest.raises(keys.KeyFileError, match="too large"):
                call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    assert LimitedKeyring.entries == {}


@pytest.mark.hostile(
    area="keys",
    tried="`keys import /dev/zero` from the command line",
    outcome="exit 2, 'too large to be a private key', no traceback",
)
def test_cli_import_dev_zero(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config-dir", str(cli_env), "keys", "import", "/dev/zero"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "too large" in err and "Traceback" not in err


OLD, NEW = "o" * 3500, "n" * 2500  # 4 chunks, then 3 chunks + the header: 4 writes
ROWS = {
    1: "the first new chunk",
    2: "a middle chunk",
    3: "the last chunk",
    4: "the header (the switch to the new value)",
}


@pytest.mark.parametrize(
    "fail_at",
    [
        pytest.param(
            n,
            marks=pytest.mark.hostile(
                area="keyring",
                tried=f"a keyring write that fails midway, at {what}",
                outcome="a clear 'did not store' error; the value stored before still reads back "
                "whole; the next write leaves no stale chunk",
            ),
        )
        for n, what in ROWS.items()
    ],
)
def test_a_write_that_fails_midway_keeps_the_old_value(fail_at: int) -> None:
    store = SecretStore(FailingKeyring())
    store.put(PRIVATE_KEY, OLD, "unctad")
    FailingKeyring.arm(fail_at)
    with pytest.raises(EregError, match="unchanged") as caught:
        store.put(PRIVATE_KEY, NEW, "unctad")
    assert "the keyring daemon went away" in str(caught.value)
    assert store.get(PRIVATE_KEY, "unctad") == OLD
    store.put(PRIVATE_KEY, NEW, "unctad")  # the daemon is back
    assert store.get(PRIVATE_KEY, "unctad") == NEW
    assert len([k for k in LimitedKeyring.entries if k[1].startswith(PRIVATE_KEY)]) == 1 + 3


@pytest.mark.parametrize(
    "fail_at",
    [
        pytest.param(
            n,
            marks=pytest.mark.hostile(
                area="keyring",
                tried=f"`keys generate --replace` with the keyring failing at its write #{n}",
                outcome="an error; the old private key and its public line still match and work",
            ),
        )
        for n in (1, 2, 3, 4)
    ],
)
def test_replacing_a_key_that_fails_midway_keeps_a_matching_pair(fail_at: int) -> None:
    store = SecretStore(FailingKeyring())
    old = keys.generate_key(store, "unctad", "c")
    FailingKeyring.arm(fail_at)
    with pytest.raises(EregError):
        keys.generate_key(store, "unctad", "c")
    pkey = keys.load_pkey(store, "unctad")
    public = keys.stored_public_line(store, "unctad")
    assert public == old.public_line
    assert public.startswith(f"{pkey.get_name()} {pkey.get_base64()} ")


DAMAGED = {
    "a damaged chunk header": lambda: LimitedKeyring.entries.__setitem__(
        (SERVICE, PUBLIC_KEY), "ereg-chunks:v2:a:x:y:z"
    ),
    "a missing chunk": lambda: [
        LimitedKeyring.entries.pop(k) for k in list(LimitedKeyring.entries) if "#" in k[1]
    ],
}


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(
            how,
            marks=pytest.mark.hostile(
                area="keyring",
                tried=f"the keyring entry of the key with {how}",
                outcome="`keys public` exits 1 naming the entry and `--replace`; `keys generate "
                "--replace` then works and leaves no stale entry",
            ),
        )
        for how in DAMAGED
    ],
)
def test_a_damaged_entry_is_named_and_can_be_replaced(
    cli_env: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    assert main(["--config-dir", str(cli_env), "keys", "generate"]) == 0
    DAMAGED[how]()
    capsys.readouterr()
    assert main(["--config-dir", str(cli_env), "keys", "public"]) == 1
    err = capsys.readouterr().err
    assert "incomplete or damaged" in err and "--replace" in err and "Traceback" not in err
    with pytest.raises(SecretCorrupted):
        SecretStore(LimitedKeyring()).get(PUBLIC_KEY, "unctad")
    assert main(["--config-dir", str(cli_env), "keys", "generate", "--replace"]) == 0
    store = SecretStore(LimitedKeyring())
    pkey = keys.load_pkey(store, "unctad")
    assert keys.stored_public_line(store, "unctad").startswith(
        pkey.get_base64(), len(pkey.get_name()) + 1
    )
    stale = [k for k in LimitedKeyring.entries if "#" in k[1]]
    assert len(stale) == 2  # one chunk of the private key, one of the public key


@pytest.mark.hostile(
    area="keyring",
    tried="a key stored by an earlier version (first chunk format), then replaced",
    outcome="read as before; replacing it leaves none of the old chunks",
)
def test_the_first_chunk_format_is_still_read_and_replaced_cleanly() -> None:
    import hashlib

    value = "v" * 1500
    digest = hashlib.sha256(value.encode()).hexdigest()
    LimitedKeyring.entries.update(
        {
            (SERVICE, PRIVATE_KEY): f"ereg-chunks:v1:2:1500:{digest}",
            (SERVICE, f"{PRIVATE_KEY}#1"): value[:1000],
            (SERVICE, f"{PRIVATE_KEY}#2"): value[1000:],
        }
    )
    store = SecretStore(LimitedKeyring())
    assert store.get(PRIVATE_KEY, "unctad") == value
    store.put(PRIVATE_KEY, "new", "unctad")
    assert store.get(PRIVATE_KEY, "unctad") == "new"
    assert sorted(k[1] for k in LimitedKeyring.entries) == [PRIVATE_KEY, f"{PRIVATE_KEY}#a.1"]


@pytest.mark.hostile(
    area="keyring",
    tried="a status poll when a chunk of the stored private key is missing",
    outcome="the server shows unreachable with 'incomplete or damaged' and the entry; no "
    "socket opened, the poll returns",
)
def test_the_poll_with_a_damaged_key_says_so(tmp_path: Path) -> None:
    store = SecretStore(LimitedKeyring())
    keys.generate_key(store, "unctad", "c")
    del LimitedKeyring.entries[(SERVICE, f"{PRIVATE_KEY}#a.1")]
    pool = ConnectionPool(
        KnownHosts(tmp_path / "kh"), lambda s: keys.load_pkey(store, s.id), connect_timeout=1
    )
    # port 9 (discard) is closed here: had the socket been opened, this would say "refused"
    status = Monitor(pool).poll(Server(id="unctad", host="127.0.0.1", port=9))
    assert status.state == UNREACHABLE
    assert "incomplete or damaged" in status.reason and PRIVATE_KEY in status.reason
    pool.close()


def _key_file(tmp: Path, how: str) -> Path:
    key = tmp / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    text = key.read_bytes()
    body = text.split(b"\n")[1]
    damaged = {
        "empty (0 bytes)": b"",
        "binary garbage": bytes(range(256)) * 8,
        "cut in half": text[: len(text) // 2],
        "a NUL in the key": text.replace(body, body[:10] + b"\x00" + body[11:]),
        "invalid UTF-8": text.replace(body, body[:10] + b"\xe9" + body[11:]),
        "the public key given instead": (tmp / "id_ed25519.pub").read_bytes(),
    }
    if how == "a directory":
        path = tmp / "dir"
        path.mkdir()
        return path
    path = tmp / "damaged"
    path.write_bytes(damaged[how])
    return path


KEY_DAMAGE = [
    "empty (0 bytes)",
    "binary garbage",
    "cut in half",
    "a NUL in the key",
    "invalid UTF-8",
    "the public key given instead",
    "a directory",
]


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(
            how,
            marks=pytest.mark.hostile(
                area="keys",
                tried=f"`keys import` of a key file: {how}",
                outcome="exit 2 naming the file; the key stored before is kept",
            ),
        )
        for how in KEY_DAMAGE
    ],
)
def test_importing_a_damaged_key_file_names_it_and_keeps_the_stored_key(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    assert main(["--config-dir", str(cli_env), "keys", "generate"]) == 0
    before = dict(LimitedKeyring.entries)
    path = _key_file(tmp_path, how)
    capsys.readouterr()
    code = main(["--config-dir", str(cli_env), "keys", "import", str(path), "--replace"])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err
    assert LimitedKeyring.entries == before


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(
            how,
            marks=pytest.mark.hostile(
                area="keys",
                tried=f"`keys import` of a key file with {how} (Windows editors)",
                outcome="imported: the same key as the original",
            ),
        )
        for how in ("CRLF line ends", "a UTF-8 BOM")
    ],
)
def test_what_editors_do_to_a_key_file_is_accepted(tmp_path: Path, how: str) -> None:
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    text = key.read_bytes()
    edited = tmp_path / "edited"
    edited.write_bytes(
        text.replace(b"\n", b"\r\n") if how.startswith("CRLF") else b"\xef\xbb\xbf" + text
    )
    store = SecretStore(LimitedKeyring())
    stored = keys.import_key(store, "unctad", edited, None, "c")
    public = " ".join((tmp_path / "id_ed25519.pub").read_text().split()[:2])
    assert stored.public_line.startswith(public)
