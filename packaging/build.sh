#!/usr/bin/env bash
# Build the frozen one-folder app with PyInstaller (packaging/ereg-desktop.spec) on Linux or macOS:
#   packaging/build.sh          -> dist/ereg-desktop/ereg-desktop (and dist/ereg-desktop.app on macOS)
# It builds in its own virtualenv (EREG_BUILD_VENV, default build/venv) with the project and its
# `packaging` extra (PyInstaller), so the shipped packages are exactly the project's dependencies.
# PYTHON picks the interpreter (default python3, >= 3.11). Then run packaging/smoke_test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${EREG_BUILD_VENV:-$ROOT/build/venv}
PY=${PYTHON:-python3}

start=$(date +%s)
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
# not editable: PyInstaller analyses the installed package, as a user's install has it
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade ".[packaging]"
# the icons beside the SVG must be the SVG's (resources/render_icons.py rewrites them)
"$VENV/bin/python" resources/render_icons.py --check
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/ereg-desktop.spec
echo "built dist/ereg-desktop in $(($(date +%s) - start)) s: $(du -sh dist/ereg-desktop | cut -f1)"
