"""The tray icon: the alert count drawn on the icon and in the tooltip, its menu, and the notifier
using it (its fallbacks where there is no tray)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QSystemTrayIcon

from ereg_desktop.ui.notify import DesktopNotifier
from ereg_desktop.ui.tray import BADGE_SIZE, Tray, app_icon, badge_text, tray_of, with_badge


def red_pixels(icon) -> int:  # type: ignore[no-untyped-def]
    image = icon.pixmap(BADGE_SIZE, BADGE_SIZE).toImage()
    count = 0
    for x in range(image.width()):
        for y in range(image.height()):
            c = QColor(image.pixel(x, y))
            if c.red() > 180 and c.green() < 80 and c.blue() < 80:
                count += 1
    return count


def test_the_count_is_drawn_on_the_icon_and_said_in_the_tooltip(window, screenshot) -> None:
    tray = Tray(window)
    assert not tray.base_icon.isNull()
    assert tray.icon.toolTip() == "ereg-desktop \u2014 no alerts"
    assert red_pixels(tray.icon.icon()) == 0
    tray.set_alert_count(3)
    assert tray.icon.toolTip() == "ereg-desktop \u2014 3 alerts"
    assert red_pixels(tray.icon.icon()) > BADGE_SIZE * BADGE_SIZE * 0.15  # the red disc
    tray.set_alert_count(1)
    assert tray.icon.toolTip() == "ereg-desktop \u2014 1 alert"
    tray.set_alert_count(0)
    assert red_pixels(tray.icon.icon()) == 0
    assert [badge_text(n) for n in (0, 7, 42, 120)] == ["", "7", "42", "99+"]

    from PySide6.QtWidgets import QLabel

    label = QLabel()
    label.setPixmap(with_badge(app_icon(), 7).pixmap(BADGE_SIZE, BADGE_SIZE))
    screenshot(label, "tray-icon-7-alerts")


def test_the_menu_shows_and_hides_the_window_refreshes_and_quits(window, qtbot) -> None:
    refresh = QAction("Refresh status", window)
    refresh.setShortcut("F5")
    refreshed: list[bool] = []
    refresh.triggered.connect(lambda: refreshed.append(True))
    tray = Tray(window, refresh)
    texts = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert texts == ["Hide window", "Refresh status", "Quit"]
    tray.show_action.trigger()
    qtbot.waitUntil(lambda: not window.isVisible())
    tray.menu.aboutToShow.emit()
    assert tray.show_action.text() == "Show window"
    tray.show_action.trigger()
    qtbot.waitUntil(window.isVisible)
    assert tray.show_action.text() == "Hide window"
    tray.menu.actions()[1].trigger()
    assert refreshed == [True]
    assert tray_of(window) is tray


def test_quit_closes_the_window_then_quits_even_when_it_was_hidden(window, qtbot) -> None:
    tray = Tray(window)
    quits: list[bool] = []
    tray.quit_app = lambda: quits.append(True)
    tray.toggle_window()  # hidden to the tray
    tray.quit_action.trigger()
    assert not window.isVisible() and quits == [True]


class _Tray:
    def __init__(self, shows: bool) -> None:
        self.shows = shows
        self.messages: list[tuple[str, str]] = []

    def show_message(self, title: str, text: str) -> bool:
        if self.shows:
            self.messages.append((title, text))
        return self.shows


def test_the_notifier_uses_the_windows_tray_and_falls_back_without_one(window, monkeypatch) -> None:
    tray = _Tray(shows=True)
    DesktopNotifier(window, tray).notify("ereg-desktop", "gt is down")  # type: ignore[arg-type]
    assert tray.messages == [("ereg-desktop", "gt is down")]
    # no tray that can show it, no notify-send: the status bar says it
    monkeypatch.setattr("shutil.which", lambda _name: None)
    DesktopNotifier(window, _Tray(shows=False)).notify("ereg-desktop", "els is down")  # type: ignore[arg-type]
    assert window.statusBar().currentMessage() == "ereg-desktop: els is down"
    # a real tray on a platform without one (offscreen): found through the window, not shown
    real = Tray(window)
    assert real.visible is QSystemTrayIcon.isSystemTrayAvailable()
    notifier = DesktopNotifier(window)
    assert notifier.tray is real
    notifier.notify("ereg-desktop", "tz is down")
    assert window.statusBar().currentMessage() == "ereg-desktop: tz is down"
