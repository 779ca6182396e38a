"""The Qt binding the app is installed with survives a long session.

PySide6 6.12.0 on Python 3.11 lost a reference to None on every Qt call returning nothing, and a
window that polls for hours aborted with "Fatal Python error: none_dealloc". pyproject.toml keeps
that release out; this test fails if a binding with the same fault comes back.
"""

from __future__ import annotations

import subprocess
import sys


def test_many_void_qt_calls_do_not_abort_the_process() -> None:
    code = (
        "from PySide6.QtCore import QObject\n"
        "o = QObject()\n"
        "for _ in range(300_000):\n"
        "    o.setObjectName('x')\n"
        "print('survived')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stdout.strip()) == (0, "survived"), r.stderr[-500:]
