"""The main window's dialogs, opened from its menus: the inventory editor, the GitHub token, the
and About (each module imported when first opened, not at start-up)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ereg_desktop.ui.window_docks import WindowDocks

if TYPE_CHECKING:
    from ereg_desktop.ui.about_dialog import AboutDialog
    from ereg_desktop.ui.github_token_dialog import GitHubTokenDialog
    from ereg_desktop.ui.inventory_dialog import InventoryDialog


class WindowDialogs(WindowDocks):
    """At most one inventory editor and one GitHub token dialog at a time."""

    _inventory_dialog: InventoryDialog | None = None
    _github_dialog: GitHubTokenDialog | None = None

    def reload_inventory(self) -> None:  # MainWindow's: after the editor saved
        raise NotImplementedError

    def edit_inventory(self) -> None:
        from ereg_desktop.ui.inventory_dialog import InventoryDialog  # not needed at start-up

        if self._inventory_dialog is not None:
            self._inventory_dialog.raise_()
            return
        dialog = InventoryDialog(self.ctx, self)
        dialog.saved.connect(self.reload_inventory)
        dialog.finished.connect(self._inventory_dialog_closed)
        self._inventory_dialog = dialog
        dialog.open()

    def edit_github_token(self) -> GitHubTokenDialog:
        from ereg_desktop.ui.github_token_dialog import GitHubTokenDialog  # not at start-up

        if self._github_dialog is not None:
            self._github_dialog.raise_()
            return self._github_dialog
        dialog = GitHubTokenDialog(self.ctx, self)
        dialog.finished.connect(self._github_dialog_closed)
        self._github_dialog = dialog
        dialog.open()
        return dialog

    def _github_dialog_closed(self) -> None:
        if self._github_dialog is not None:
            self._github_dialog.deleteLater()
        self._github_dialog = None

    def _inventory_dialog_closed(self) -> None:
        if self._inventory_dialog is not None:
            self._inventory_dialog.deleteLater()
        self._inventory_dialog = None

    def show_about(self) -> AboutDialog:
        from ereg_desktop.ui.about_dialog import AboutDialog  # not at start-up

        dialog = AboutDialog(self.ctx.paths, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
