"""Help > About: the versions and folders a bug report needs, filled in off the GUI thread, and
Copy puts all of it on the clipboard."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QGuiApplication

from ereg_desktop import __version__
from ereg_desktop.ui.about_dialog import PENDING, AboutDialog


def test_about_tells_versions_backend_and_folders_and_copies_them(
    window, qtbot, screenshot
) -> None:
    dialog = window.show_about()
    assert isinstance(dialog, AboutDialog) and dialog.isVisible()
    qtbot.waitUntil(lambda: PENDING not in dialog.facts.values())
    facts = dialog.facts
    assert facts["ereg-desktop"] == __version__
    assert facts["Python"].startswith(platform.python_version())
    assert facts["PySide6 / Qt"] == f"{PySide6.__version__} / Qt {qVersion()}"
    import paramiko

    assert facts["paramiko"] == paramiko.__version__
    assert facts["Keyring backend"] == "memory_keyring.MemoryKeyring"  # the tests' own
    paths = window.ctx.paths
    assert facts["Config folder"] == str(paths.config_dir)
    assert facts["Log folder"] == str(paths.log_dir)
    assert facts["Data folder"] == str(paths.data_dir)
    link = dialog._values["Log folder"].text()
    assert QUrl.fromLocalFile(str(paths.log_dir)).toString() in link
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.text()
    assert f"Log folder: {paths.log_dir}\n" in copied and f"ereg-desktop: {__version__}\n" in copied
    assert PENDING not in copied
    screenshot(dialog, "about-dialog")


def test_links_open_the_folder(window, qtbot, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(
        "ereg_desktop.ui.about_dialog.QDesktopServices.openUrl",
        lambda url: opened.append(url.toString()),
    )
    dialog = window.show_about()
    qtbot.waitUntil(lambda: PENDING not in dialog.facts.values())
    dialog._values["Config folder"].linkActivated.emit(
        QUrl.fromLocalFile(str(window.ctx.paths.config_dir)).toString()
    )
    assert opened == [QUrl.fromLocalFile(str(window.ctx.paths.config_dir)).toString()]
