"""The confirmation before restart/stop/start/update: production is unmistakable."""

from __future__ import annotations

from deploy_fixtures import make_ref
from PySide6.QtWidgets import QDialogButtonBox

from ereg_desktop.ui.action_confirm import ActionConfirm, banner_text, confirmation_text


def test_production_restart_has_red_banner_url_and_downtime(qtbot) -> None:
    ref = make_ref("production")
    d = ActionConfirm(ref, "restart")
    qtbot.addWidget(d)
    assert d.banner is not None and "PRODUCTION" in d.banner.text()
    assert "https://guatemala.eregistrations.org" in d.banner.text()
    assert "downtime" in d.banner.text()
    assert "#c62828" in d.banner.styleSheet()
    assert (
        "<code>pm2 restart gt</code>" in d.text.text()
        and "eregistrations@eregistrations.org" in d.text.text()
    )
    assert d.go_button.text() == "Restart gt in PRODUCTION"
    # Enter does not confirm a production write
    assert d.buttons.button(QDialogButtonBox.StandardButton.Cancel).isDefault()
    assert not d.go_button.isDefault()


def test_production_stop_says_it_stays_down(qtbot) -> None:
    text = banner_text(make_ref("production"), "stop")
    assert "down until someone starts it again" in text


def test_development_is_plain(qtbot) -> None:
    ref = make_ref("development", app="gt-dev")
    d = ActionConfirm(ref, "stop")
    qtbot.addWidget(d)
    assert d.banner is None
    assert "PRODUCTION" not in d.text.text() and "<code>pm2 stop gt-dev</code>" in d.text.text()
    assert d.go_button.text() == "Stop gt-dev" and d.go_button.isDefault()


def test_update_text_names_branch_and_downtime() -> None:
    text = confirmation_text(make_ref("production"), "update")
    assert "origin/master" in text and "PRODUCTION" in text and "npm run setup" in text
    assert "down" in text


def test_confirm_accepts(qtbot) -> None:
    d = ActionConfirm(make_ref("development"), "restart")
    qtbot.addWidget(d)
    d.open()
    with qtbot.waitSignal(d.accepted, timeout=2000):
        d.go_button.click()
