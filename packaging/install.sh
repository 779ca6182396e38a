#!/usr/bin/env bash
# Install ereg-desktop for the current user from this checkout, then open it on its embedded demo.
#   packaging/install.sh            install (or update) and open the demo (ereg-desktop --demo)
#   packaging/install.sh --real     install and open it against the real servers of the inventory
#   packaging/install.sh --no-open  install only
# It needs Python >= 3.11 with venv and Qt's X11/Wayland libraries; as root it installs missing
# OS packages, otherwise it prints the apt-get line to run.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
VENV=$DATA/ereg-desktop/venv
BIN=$HOME/.local/bin

APT_PACKAGES=(
  python3 python3-venv git libegl1 libgl1 libfontconfig1 libglib2.0-0 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-render-util0 libxcb-shape0 libxcb-xkb1 gnome-keyring openssh-client
)
if command -v dpkg-query >/dev/null; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ]; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q >/dev/null
      apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "ereg-desktop needs these packages first:" >&2
      echo "  sudo apt-get install ${missing[*]}" >&2
      exit 2
    fi
  fi
fi

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade "$SRC"
mkdir -p "$BIN"
ln -sf "$VENV/bin/ereg-desktop" "$BIN/ereg-desktop"

# The desktop entry (its Exec the full path: ~/.local/bin may not be on the session's PATH), the
# icon in every hicolor size and the AppStream metainfo, all from resources/.
ID=org.eregistrations.EregDesktop
RES=resources
put() { mkdir -p "$(dirname "$2")" && cp "$1" "$2.tmp" && mv -f "$2.tmp" "$2"; }
mkdir -p "$DATA/applications"
sed -e "s|^Exec=ereg-desktop|Exec=$BIN/ereg-desktop|" -e "s|^TryExec=ereg-desktop|TryExec=$BIN/ereg-desktop|" \
  "$RES/$ID.desktop" > "$DATA/applications/$ID.desktop.tmp"
mv -f "$DATA/applications/$ID.desktop.tmp" "$DATA/applications/$ID.desktop"
rm -f "$DATA/applications/ereg-desktop.desktop"  # the entry of earlier versions
for size in 16 24 32 48 64 128 256 512; do
  put "$RES/icons/ereg-desktop-$size.png" "$DATA/icons/hicolor/${size}x$size/apps/$ID.png"
done
put "$RES/icons/ereg-desktop.svg" "$DATA/icons/hicolor/scalable/apps/$ID.svg"
put "$RES/$ID.metainfo.xml" "$DATA/metainfo/$ID.metainfo.xml"
# menus pick the new entry up at once where this tool exists
command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA/applications" || true
echo "installed: $BIN/ereg-desktop ($("$BIN/ereg-desktop" --version))"

if [ "${1:-}" != "--no-open" ]; then
  if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    echo "no display here: run ereg-desktop from a desktop session" >&2
    exit 0
  fi
  if [ "${1:-}" = "--real" ]; then
    exec "$BIN/ereg-desktop"
  fi
  echo "opening the demo (its own server, inventory and keys; nothing of yours is touched)"
  exec "$BIN/ereg-desktop" --demo
fi
