"""Every frequent action has a keyboard shortcut, shown in its menu, and no two actions of the
window share one (the window as the app builds it: live status and the details pane included)."""

from __future__ import annotations

from collections import Counter

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from ereg_desktop.ui.live_status import LiveStatus

FREQUENT = {
    "Restart": "Ctrl+R",
    "Stop": "Ctrl+Shift+S",
    "Start": "Ctrl+Shift+T",
    "Update\u2026": "Ctrl+U",
    "History\u2026": "Ctrl+H",
    "Refresh status": "F5",
    "&Details pane": "Ctrl+D",
    "Find\u2026": "Ctrl+F",
    "Quit": "Ctrl+Q",
    "Open URL": "Ctrl+O",
    "Edit inventory\u2026": "Ctrl+E",
}


def menu_actions(menu: QMenu) -> list[QAction]:
    found: list[QAction] = []
    for action in menu.actions():
        if action.isSeparator():
            continue
        sub = action.menu()
        found += menu_actions(sub) if isinstance(sub, QMenu) else [action]
    return found


def test_frequent_actions_have_shortcuts_shown_in_the_menus_and_none_clash(window, ctx) -> None:
    LiveStatus(window, ctx, poller_factory=lambda: None)  # type: ignore[arg-type, return-value]
    window.add_details_pane()
    window.deployment  # noqa: B018  (the Deployment actions' behaviour, as after the first paint)
    actions = [a for m in window.menuBar().actions() if m.menu() for a in menu_actions(m.menu())]
    by_text = {a.text(): a for a in actions}
    for text, keys in FREQUENT.items():
        assert text in by_text, f"{text} is not in a menu"
        action = by_text[text]
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
        assert shortcut == keys, f"{text}: {shortcut!r}"
    keys = Counter(
        a.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
        for a in {id(a): a for a in actions}.values()
        if not a.shortcut().isEmpty()
    )
    assert [k for k, n in keys.items() if n > 1] == [], "two actions share a shortcut"


def test_find_puts_the_cursor_in_the_filter(window, qtbot) -> None:
    window.filter_box.setText("gt")
    window.tree.setFocus()
    window.find_action.trigger()
    qtbot.waitUntil(window.filter_box.hasFocus)
    assert window.filter_box.selectedText() == "gt"
