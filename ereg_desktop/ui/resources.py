"""The application's resources (icon, desktop entry, AppStream metainfo), wherever the app runs.

The source is the top-level ``resources/`` folder of the repository; a wheel ships it as
``ereg_desktop/resources`` (setup.py) and the frozen build as the same folder beside the package
(packaging/ereg-desktop.spec). A source checkout or an editable install reads the folder itself.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

import ereg_desktop

# The reverse-DNS id: the desktop entry's and the metainfo's file names, the installed icon's name.
APP_ID = "org.eregistrations.EregDesktop"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
_MARKER = Path("icons", "ereg-desktop.svg")


def resources_dir() -> Path | None:
    """The folder holding ``icons/``, the desktop entry and the metainfo; None if none is found."""
    # the package's folder: site-packages/ereg_desktop, or the frozen app's (PyInstaller gives its
    # modules a __file__ there); not importlib.resources: its import alone costs the start-up ~10 ms
    package = Path(ereg_desktop.__file__).resolve().parent
    packaged, source = package / "resources", package.parent / "resources"
    for folder in (packaged, source):
        if (folder / _MARKER).is_file():
            return folder
    return None


def app_icon() -> QIcon:
    """The window's icon, one PNG per size (no SVG icon engine plugin needed); empty if missing."""
    icon = QIcon()
    folder = resources_dir()
    for size in ICON_SIZES if folder else ():
        assert folder is not None
        path = folder / "icons" / f"ereg-desktop-{size}.png"
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon
