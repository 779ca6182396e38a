"""Light or dark, as the desktop is: ``QStyleHints.colorScheme`` and its change signal.

Where the platform theme already gives a dark palette for a dark desktop (Windows 11, macOS, KDE)
nothing is changed. Where it reports the dark scheme but leaves Qt's light palette (a GNOME
session with the Fusion style) the app takes a dark palette of its own, and gives it back when the
desktop turns light again. The custom-painted parts (the status colours, the sparklines, the
chart) read :func:`is_dark` or the palette they are painted with.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_OWN_PALETTE = "ereg_dark_palette"


def is_dark(palette: QPalette | None = None) -> bool:
    """The palette (the application's by default) has light text on a dark background."""
    pal = palette if palette is not None else QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def dark_palette() -> QPalette:
    """A dark palette in the manner of Fusion's."""
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    window, base, text = QColor(45, 45, 48), QColor(30, 30, 32), QColor(232, 232, 232)
    for r, c in (
        (role.Window, window), (role.WindowText, text), (role.Base, base),
        (role.AlternateBase, QColor(40, 40, 43)), (role.ToolTipBase, QColor(60, 60, 64)),
        (role.ToolTipText, text), (role.PlaceholderText, QColor(150, 150, 150)),
        (role.Text, text), (role.Button, window), (role.ButtonText, text),
        (role.BrightText, QColor(255, 100, 100)), (role.Light, QColor(75, 75, 80)),
        (role.Midlight, QColor(60, 60, 64)), (role.Mid, QColor(90, 90, 95)),
        (role.Dark, QColor(20, 20, 22)), (role.Shadow, QColor(0, 0, 0)),
        (role.Highlight, QColor(42, 110, 190)), (role.HighlightedText, QColor(255, 255, 255)),
        (role.Link, QColor(100, 170, 255)), (role.LinkVisited, QColor(180, 140, 255)),
    ):  # fmt: skip
        p.setColor(r, c)
    grey = QColor(130, 130, 130)
    for r in (role.WindowText, role.Text, role.ButtonText, role.HighlightedText):
        p.setColor(group.Disabled, r, grey)
    p.setColor(group.Disabled, role.Highlight, QColor(70, 70, 75))
    return p


def apply_scheme(app: QApplication, scheme: Qt.ColorScheme) -> None:
    """Follow ``scheme``: a dark palette of our own only where the platform gave none."""
    own = bool(app.property(_OWN_PALETTE))
    if scheme == Qt.ColorScheme.Dark:
        if not is_dark(app.palette()):
            app.setPalette(dark_palette())
            app.setProperty(_OWN_PALETTE, True)
    elif own:
        app.setPalette(app.style().standardPalette())
        app.setProperty(_OWN_PALETTE, False)


class SchemeFollower(QObject):
    """Keeps ``app`` in the desktop's scheme while it runs."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        hints = app.styleHints()
        hints.colorSchemeChanged.connect(self.changed)
        if hints.colorScheme() == Qt.ColorScheme.Dark:
            apply_scheme(app, Qt.ColorScheme.Dark)

    def changed(self, scheme: Qt.ColorScheme) -> None:
        apply_scheme(self.app, scheme)
