"""Text that came from a server or a shared file, made safe to show on a terminal or in a widget.

An app name, a pm2 status, a command's output or an audit record may hold NUL, terminal escapes
(``ESC ]`` sets a terminal's title, ``ESC [2J`` clears it), U+2028 or bidirectional overrides;
shown as they are, they rewrite what the operator sees.
"""

from __future__ import annotations


def printable(text: str, keep: str = "") -> str:
    """``text`` with every control or unprintable character but those in ``keep`` as a space."""
    return "".join(c if c.isprintable() or c in keep else " " for c in text)
