"""The set-up assistant's connection test against the real sshd: what it says for a host not
trusted yet, a key the server does not know, a missing pm2, and a computer that is set up."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519
from sandbox import Sandbox
from test_status_support import sandbox_server, store_sandbox_key

from ereg_desktop.remote.hostkeys import KnownHosts, fetch_host_key
from ereg_desktop.services import keys
from ereg_desktop.services.connection_check import (
    HOST_KEY,
    LOGIN,
    PM2,
    REACH,
    all_ok,
    check_connection,
    summary,
)
from ereg_desktop.store.secrets import SecretStore


def trusted(sandbox: Sandbox, tmp_path: Path) -> KnownHosts:
    kh = KnownHosts(tmp_path / "known_hosts")
    kh.trust(sandbox.host, sandbox.port, fetch_host_key(sandbox_server(sandbox)))
    return kh


def test_unknown_host_shows_the_sandbox_fingerprint(
    sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    store_sandbox_key(store, sandbox)
    kh = tmp_path / "known_hosts"
    steps = check_connection(sandbox_server(sandbox), store, KnownHosts(kh))
    by_title = {s.title: s for s in steps}
    assert by_title[REACH].ok
    host = by_title[HOST_KEY]
    assert host.state == "failed" and host.offered_fingerprint == sandbox.host_key_fingerprint()
    assert sandbox.host_key_fingerprint() in host.message and "not trusted yet" in host.message
    assert by_title[LOGIN].state == by_title[PM2].state == "not tried"
    assert not kh.exists()  # the check pins nothing


def test_unknown_host_without_a_key_still_shows_the_fingerprint(
    sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    steps = check_connection(sandbox_server(sandbox), store, KnownHosts(tmp_path / "kh"))
    by_title = {s.title: s for s in steps}
    assert by_title[HOST_KEY].offered_fingerprint == sandbox.host_key_fingerprint()
    assert summary(steps).startswith("SSH key: no SSH key is stored for sandbox")


def test_a_key_not_in_authorized_keys_is_refused(
    sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    keys.generate_key(store, "sandbox", "ereg-desktop new operator")  # nobody added it
    steps = check_connection(sandbox_server(sandbox), store, trusted(sandbox, tmp_path))
    assert [s.state for s in steps] == ["ok", "ok", "ok", "failed", "not tried"]
    login = steps[3]
    assert login.title == LOGIN
    assert login.message.startswith("the server refused the key: it is not yet in authorized_keys")
    assert "Test Admin" in login.message and "step 3" in login.message


def test_the_sandbox_key_works_and_pm2_is_found(
    sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    store_sandbox_key(store, sandbox)
    steps = check_connection(sandbox_server(sandbox), store, trusted(sandbox, tmp_path))
    assert all_ok(steps), steps
    assert steps[2].message.endswith(sandbox.host_key_fingerprint())
    assert steps[4].title == PM2 and steps[4].message.startswith("pm2 is /")
    assert summary(steps).startswith("Everything works")


def test_a_command_missing_from_the_login_path(
    sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    store_sandbox_key(store, sandbox)
    steps = check_connection(
        sandbox_server(sandbox), store, trusted(sandbox, tmp_path), pm2_command="pm2-not-here"
    )
    assert [s.state for s in steps] == ["ok", "ok", "ok", "ok", "failed"]
    assert steps[4].message.startswith("pm2-not-here is not on the account's login PATH")


def test_a_changed_host_key_is_said_with_and_without_a_key(
    sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    from ereg_desktop.remote.hostkeys import fingerprint

    other = keys.to_paramiko(ed25519.Ed25519PrivateKey.generate())  # not the server's
    kh = KnownHosts(tmp_path / "known_hosts")
    kh.trust(sandbox.host, sandbox.port, other)
    server = sandbox_server(sandbox)
    without_key = {s.title: s for s in check_connection(server, store, kh)}
    store_sandbox_key(store, sandbox)
    with_key = {s.title: s for s in check_connection(server, store, kh)}
    for steps in (without_key, with_key):
        assert steps[HOST_KEY].state == "failed"
        assert steps[HOST_KEY].message.startswith(
            f"the host key changed: pinned {fingerprint(other)}, the server shows "
            f"{sandbox.host_key_fingerprint()}"
        )
        assert steps[LOGIN].state == "not tried"


def test_the_assistant_trusts_the_sandbox_and_its_test_passes(
    qtbot, sandbox: Sandbox, store: SecretStore, tmp_path: Path
) -> None:
    """The wizard's host-key and test pages against the real sshd, with the sandbox's key."""
    from PySide6.QtWidgets import QWizard

    from ereg_desktop.context import AppContext
    from ereg_desktop.store.inventory import Inventory, Operator
    from ereg_desktop.store.inventory_file import InventoryFile, LoadedInventory
    from ereg_desktop.store.paths import AppPaths
    from ereg_desktop.ui.setup_assistant import GITHUB, HOST, KEY, TEST, SetupAssistant

    paths = AppPaths.resolve(config_dir=tmp_path / "config")
    inventory = Inventory(operator=Operator(name="Ana"), servers=[sandbox_server(sandbox)])
    f = InventoryFile(paths.inventory_file)
    f.save(inventory)
    ctx = AppContext(paths, f, LoadedInventory(inventory, source=f.path), secrets=store)
    store_sandbox_key(store, sandbox)
    wizard = SetupAssistant(ctx, connect_timeout=10)
    qtbot.addWidget(wizard)
    wizard.show()
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    next_button.click()  # the operator is already saved: nothing to write
    qtbot.waitUntil(lambda: wizard.currentId() == KEY and not wizard.key_page.busy, timeout=10_000)
    assert wizard.key_page.public is not None
    for _ in range(2):
        next_button.click()
    qtbot.waitUntil(lambda: wizard.currentId() == HOST, timeout=10_000)
    host = wizard.host_page
    qtbot.waitUntil(lambda: host.trust_button.isVisibleTo(host), timeout=15_000)
    assert host.fingerprint.text() == sandbox.host_key_fingerprint()
    assert not paths.known_hosts_file.exists()
    host.trust_button.click()
    qtbot.waitUntil(lambda: host.trusted and not host.busy, timeout=15_000)
    assert f"[{sandbox.host}]:{sandbox.port} ssh-ed25519 " in paths.known_hosts_file.read_text()
    next_button.click()
    qtbot.waitUntil(
        lambda: wizard.currentId() == GITHUB and next_button.isEnabled(), timeout=10_000
    )
    with qtbot.waitSignal(wizard.connection_tested, timeout=30_000) as tested:
        next_button.click()
    assert wizard.currentId() == TEST and tested.args == [True]
    assert wizard.test_page.summary.text().startswith("Everything works")
    wizard.reject()
