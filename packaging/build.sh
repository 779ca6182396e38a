#!/usr/bin/env bash
# Build the frozen one-folder app with PyInstaller (packaging/ereg-desktop.spec) on this platform:
#   packaging/build.sh   -> dist/ereg-desktop/ereg-desktop  (Linux; macOS also dist/ereg-desktop.app;
#                           Windows, from Git Bash: dist/ereg-desktop/ereg-desktop.exe and
#                           ereg-desktop-window.exe)
# It builds in its own virtualenv (EREG_BUILD_VENV, default build/venv) with the project and its
# `packaging` extra (PyInstaller), so the shipped packages are exactly the project's dependencies.
# PYTHON picks the interpreter (default python3, >= 3.11). Then run packaging/smoke_test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${EREG_BUILD_VENV:-$ROOT/build/venv}
PY=${PYTHON:-python3}

start=$(date +%s)
[ -x "$VENV/bin/python" ] || [ -x "$VENV/Scripts/python.exe" ] || "$PY" -m venv "$VENV"
BIN=$VENV/bin
[ -d "$VENV/Scripts" ] && BIN=$VENV/Scripts  # Windows (Git Bash)
"$BIN/python" -m pip install -q --disable-pip-version-check --upgrade pip
# not editable: PyInstaller analyses the installed package, as a user's install has it
"$BIN/python" -m pip install -q --disable-pip-version-check --upgrade ".[packaging]"
# the icons beside the SVG must be the SVG's (resources/render_icons.py rewrites them)
"$BIN/python" resources/render_icons.py --check
"$BIN/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/ereg-desktop.spec
echo "built dist/ereg-desktop in $(($(date +%s) - start)) s: $(du -sh dist/ereg-desktop | cut -f1)"
