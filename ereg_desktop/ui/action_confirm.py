"""The confirmation before a write: exactly what will run where, production made unmistakable."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ereg_desktop.services.deploy.actions import prepare
from ereg_desktop.store.inventory import DeploymentRef

_USERS = {
    "restart": "Users of {url} will see a short downtime while it restarts.",
    "stop": "Users of {url} will see the system down until someone starts it again.",
    "start": "The system comes back for the users of {url}.",
    "update": ("Users of {url} will see the system down while `npm run setup` runs (minutes)."),
}


def is_production(ref: DeploymentRef) -> bool:
    return ref.deployment.production


def banner_text(ref: DeploymentRef, verb: str) -> str:
    """The red strip's text (production only)."""
    url = ref.deployment.url or "the system"
    return f"PRODUCTION \u2014 {ref.system.name}\n" + _USERS[verb].format(url=url)


def confirmation_text(ref: DeploymentRef, verb: str) -> str:
    """The sentence under the banner: what runs, on which account, and what it does."""
    if verb == "update":
        where = ref.deployment.environment_label
        return (
            f"Update {ref.app} ({ref.system.name} {where}, {ref.server.label}) to the latest "
            f"origin/{ref.deployment.track}? Any pending translations stop it before downtime; "
            f"then `pm2-deploy {ref.app}` pulls, runs `npm run setup` (the app is down meanwhile) "
            "and starts it again."
        )
    return prepare(ref, verb).confirmation


def as_rich_text(text: str) -> str:
    """The sentence with its `commands` set in a fixed-width font."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


class ActionConfirm(QDialog):
    """Open with ``open()`` (non-blocking); ``accepted`` means go."""

    def __init__(self, ref: DeploymentRef, verb: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ref = ref
        self.verb = verb
        self.setWindowTitle(f"{verb.capitalize()} {ref.app}?")
        self.setMinimumWidth(500)
        layout = QVBoxLayout(self)
        self.banner: QLabel | None = None
        if is_production(ref):
            self.banner = QLabel(banner_text(ref, verb))
            self.banner.setObjectName("productionBanner")
            self.banner.setWordWrap(True)
            self.banner.setStyleSheet(
                "#productionBanner { background: #c62828; color: white; font-weight: bold;"
                " padding: 10px; border-radius: 3px; }"
            )
            layout.addWidget(self.banner)
        self.text = QLabel(as_rich_text(confirmation_text(ref, verb)))
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        if not is_production(ref) and ref.deployment.url:
            plain = QLabel(f"{ref.system.name} {ref.deployment.environment}: {ref.deployment.url}")
            plain.setStyleSheet("color: palette(mid);")
            layout.addWidget(plain)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        label = f"{verb.capitalize()} {ref.app}" + (" in PRODUCTION" if is_production(ref) else "")
        self.go_button = self.buttons.addButton(label, QDialogButtonBox.ButtonRole.AcceptRole)
        # Enter must not confirm a production write by accident: Cancel is the default there.
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        (cancel if is_production(ref) else self.go_button).setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
