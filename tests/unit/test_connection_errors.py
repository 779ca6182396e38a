"""Key problems surface from the pool as connection problems (exit 3), before any network use."""

from __future__ import annotations

from pathlib import Path

import pytest

from ereg_desktop.errors import EXIT_CONNECTION
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.remote.errors import NoUsableKey, Unreachable
from ereg_desktop.remote.hostkeys import KnownHosts
from ereg_desktop.services.keys import NoKeyStored
from ereg_desktop.store.inventory import Server


def no_key(server: Server):  # type: ignore[no-untyped-def]
    raise NoKeyStored(server.id)


def test_missing_key_is_a_connection_problem_with_its_reason(tmp_path: Path) -> None:
    # were the socket opened first, this would say "connection refused", not "no key"
    pool = ConnectionPool(KnownHosts(tmp_path / "kh"), no_key, connect_timeout=0.5)
    server = Server(id="unctad", host="127.0.0.1", port=9)
    with pytest.raises(NoUsableKey) as caught:
        pool.transport(server)
    assert caught.value.exit_code == EXIT_CONNECTION
    assert isinstance(caught.value.cause, NoKeyStored)
    assert "keys import" in str(caught.value)


def test_invalid_host_name_is_unreachable_not_a_crash(tmp_path: Path) -> None:
    pool = ConnectionPool(KnownHosts(tmp_path / "kh"), lambda s: None, connect_timeout=0.5)  # type: ignore[arg-type,return-value]
    with pytest.raises(Unreachable) as caught:
        pool.transport(Server(id="x", host="a" * 64 + ".org"))
    assert "not a valid host name" in str(caught.value)


def test_declined_passphrase_backs_off(tmp_path: Path) -> None:
    from ereg_desktop.errors import EregError

    asked: list[str] = []

    def declined(server: Server):  # type: ignore[no-untyped-def]
        asked.append(server.id)
        raise EregError("the passphrase was not given")

    pool = ConnectionPool(KnownHosts(tmp_path / "kh"), declined, backoff_max=60)
    server = Server(id="unctad", host="127.0.0.1", port=9)
    for _ in range(3):
        with pytest.raises(NoUsableKey):
            pool.transport(server)
    assert asked == ["unctad"]  # not asked again on every poll: backing off


def test_refused_channel_keeps_the_shared_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import paramiko

    from ereg_desktop.remote import connection

    class Transport:
        active = True

        def is_active(self) -> bool:
            return self.active

    class Client:
        def __init__(self, t: Transport) -> None:
            self.t = t
            self.closed = False

        def get_transport(self) -> Transport:
            return self.t

        def close(self) -> None:
            self.closed = True

    def refused(*a: object, **kw: object) -> None:
        raise paramiko.ChannelException(1, "Administratively prohibited")

    pool = ConnectionPool(KnownHosts(tmp_path / "kh"), no_key)
    server = Server(id="unctad", host="127.0.0.1", port=9)
    t = Transport()
    client = Client(t)
    slot = pool._slot(server.id)
    slot.client, slot.address = client, (server.host, server.port, server.user)  # type: ignore[assignment]
    monkeypatch.setattr(connection, "exec_on", refused)
    with pytest.raises(Unreachable, match="refused a new session"):
        pool.run(server, ["true"])
    assert slot.client is client and not client.closed  # the others keep using it
    t.active = False  # a transport that really died is dropped (and reconnected next time)
    monkeypatch.setattr(pool, "transport", lambda s: t)
    with pytest.raises(Unreachable, match="connection lost"):
        pool.run(server, ["true"])
    assert slot.client is None and client.closed
