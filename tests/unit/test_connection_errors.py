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
