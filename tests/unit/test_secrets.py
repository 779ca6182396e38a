"""The chunked secret store over keyring, with a backend that enforces Windows' 2,560-byte limit."""

from __future__ import annotations

from collections.abc import Iterator

import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st
from test_secrets_backends import BrokenKeyring, LimitedKeyring, TooLong

from ereg_desktop.errors import EregError
from ereg_desktop.store.secrets import (
    CHUNK_UNITS,
    PRIVATE_KEY,
    NoKeyring,
    SecretCorrupted,
    SecretStore,
    service_name,
    split_chunks,
)


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    LimitedKeyring.reset()
    yield
    LimitedKeyring.reset()


def rsa4096_openssh() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()


def test_backend_refuses_long_values_like_windows() -> None:
    with pytest.raises(TooLong):
        LimitedKeyring().set_password("s", "u", "x" * 1281)


def test_rsa4096_key_round_trips_through_limited_backend() -> None:
    text = rsa4096_openssh()
    assert len(text.encode("utf-16-le")) > 2560
    store = SecretStore(LimitedKeyring())
    store.put(PRIVATE_KEY, text, "unctad")
    assert store.get(PRIVATE_KEY, "unctad") == text
    assert all(size <= 2560 for _, _, size in LimitedKeyring.writes)
    services = {s for (s, _u) in LimitedKeyring.entries}
    assert services == {"ereg-desktop:unctad"}
    assert len(LimitedKeyring.entries) >= 4  # header + at least 3 chunks


def test_delete_removes_every_chunk() -> None:
    store = SecretStore(LimitedKeyring())
    store.put(PRIVATE_KEY, "k" * 3500, "unctad")
    store.put("other", "keep me", "unctad")
    store.delete(PRIVATE_KEY, "unctad")
    assert store.get(PRIVATE_KEY, "unctad") is None
    assert set(LimitedKeyring.entries) == {
        ("ereg-desktop:unctad", "other"),
        ("ereg-desktop:unctad", "other#a.1"),
    }
    store.delete(PRIVATE_KEY, "unctad")  # deleting twice is fine


def test_delete_with_a_damaged_header_still_removes_every_chunk() -> None:
    store = SecretStore(LimitedKeyring())
    store.put(PRIVATE_KEY, "k" * 3500, "unctad")
    LimitedKeyring.entries[("ereg-desktop:unctad", PRIVATE_KEY)] = "garbage"
    store.delete(PRIVATE_KEY, "unctad")
    assert not [k for k in LimitedKeyring.entries if k[1].startswith(PRIVATE_KEY)]


def test_overwrite_with_shorter_value_leaves_no_stale_chunks() -> None:
    store = SecretStore(LimitedKeyring())
    store.put(PRIVATE_KEY, "a" * 4500, "s")
    store.put(PRIVATE_KEY, "b" * 10, "s")
    assert store.get(PRIVATE_KEY, "s") == "b" * 10
    assert set(LimitedKeyring.entries) == {
        ("ereg-desktop:s", PRIVATE_KEY),
        ("ereg-desktop:s", f"{PRIVATE_KEY}#b.1"),  # the second write's generation
    }


def test_servers_are_separate_services_and_global_secrets_have_their_own() -> None:
    store = SecretStore(LimitedKeyring())
    store.put(PRIVATE_KEY, "one", "a")
    store.put(PRIVATE_KEY, "two", "b")
    store.put("github-token", "tok")
    assert store.get(PRIVATE_KEY, "a") == "one"
    assert store.get(PRIVATE_KEY, "b") == "two"
    assert store.get("github-token") == "tok"
    assert service_name(None) == "ereg-desktop"


def test_damaged_chunk_is_detected() -> None:
    store = SecretStore(LimitedKeyring())
    store.put(PRIVATE_KEY, "z" * 2500, "s")
    LimitedKeyring.entries[("ereg-desktop:s", f"{PRIVATE_KEY}#a.2")] = "y" * 1000
    with pytest.raises(SecretCorrupted):
        store.get(PRIVATE_KEY, "s")
    del LimitedKeyring.entries[("ereg-desktop:s", f"{PRIVATE_KEY}#a.2")]
    with pytest.raises(SecretCorrupted):
        store.get(PRIVATE_KEY, "s")


def test_plain_single_entry_is_read_as_is() -> None:
    LimitedKeyring().set_password("ereg-desktop:s", "github-token", "ghp_plain")
    assert SecretStore(LimitedKeyring()).get("github-token", "s") == "ghp_plain"


@given(st.text(max_size=5000))
def test_any_text_round_trips(value: str) -> None:
    LimitedKeyring.reset()
    store = SecretStore(LimitedKeyring())
    store.put("x", value, "s")
    assert store.get("x", "s") == value


@given(st.text(max_size=3000))
def test_chunks_fit_and_join(value: str) -> None:
    chunks = split_chunks(value)
    assert "".join(chunks) == value
    assert all(len(c.encode("utf-16-le")) <= 2 * CHUNK_UNITS for c in chunks)


@pytest.mark.parametrize(
    "backend",
    [
        keyring.backends.fail.Keyring(),
        keyring.backends.null.Keyring(),
        keyring.backends.chainer.ChainerBackend(),
    ],
)
def test_no_usable_keyring_is_a_clear_error(
    backend: keyring.backend.KeyringBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        monkeypatch.setattr(type(backend), "backends", [])
    with pytest.raises(NoKeyring) as info:
        SecretStore(backend)
    msg = str(info.value)
    assert "gnome-keyring" in msg and "keyring --list-backends" in msg
    assert isinstance(info.value, EregError)


def test_locked_keyring_is_a_clear_error() -> None:
    store = SecretStore(BrokenKeyring())
    with pytest.raises(NoKeyring, match="locked"):
        store.put(PRIVATE_KEY, "secret-value", "s")
    with pytest.raises(NoKeyring) as info:
        store.get(PRIVATE_KEY, "s")
    assert "secret-value" not in str(info.value)


def test_backend_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EREG_DESKTOP_KEYRING", "test_secrets_backends:LimitedKeyring")
    assert isinstance(SecretStore.from_environment().backend, LimitedKeyring)
    monkeypatch.setenv("EREG_DESKTOP_KEYRING", "no_such_module_here:Nope")
    with pytest.raises(NoKeyring, match="could not be loaded"):
        SecretStore.from_environment()
    monkeypatch.setenv("EREG_DESKTOP_KEYRING", "keyring.backends.fail:Keyring")
    with pytest.raises(NoKeyring):
        SecretStore.from_environment()
