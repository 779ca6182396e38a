"""The offer to break a stale lock on an app: what the operator reads before doing it.

The lock is what stops two updates of one app at once, so the question names who holds it, since
when and from where, and defaults to Cancel.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from ereg_desktop.services.deploy.lock import LockOwner
from ereg_desktop.store.inventory import DeploymentRef


def break_lock_box(
    parent: QWidget, ref: DeploymentRef, holder: LockOwner, why: str, on_break: Callable[[], None]
) -> QMessageBox:
    """The (not yet shown) question; ``on_break`` runs when the operator confirms."""
    text = (
        f"{html.escape(why)}<br><br>Break the lock held by <b>{html.escape(holder.operator)}"
        f"</b> on {html.escape(holder.machine)} since {html.escape(holder.since)}"
        + (f" (server job {html.escape(holder.job)}, no longer running)" if holder.job else "")
        + "? Only do this when you are sure nobody is deploying "
        f"{html.escape(ref.app)}: the lock is what stops two updates at once."
    )
    box = QMessageBox(QMessageBox.Icon.Warning, f"Break the lock on {ref.app}?", text,
                      parent=parent)  # fmt: skip
    go = box.addButton("Break the lock", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def clicked(button: QAbstractButton) -> None:
        if button is go:
            on_break()

    box.buttonClicked.connect(clicked)
    return box
