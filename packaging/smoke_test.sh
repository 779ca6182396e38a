#!/usr/bin/env bash
# The frozen build's smoke test: its version, the self-test (the window opens offscreen, is painted
# once and closes), then the same on the embedded demo (it waits for one status refresh).
#   packaging/smoke_test.sh [dist/ereg-desktop/ereg-desktop] [extra args for the first self-test]
# A throwaway config dir: the operator's own profile is neither read nor written.
set -euo pipefail
cd "$(dirname "$0")/.."
APP=${1:-dist/ereg-desktop/ereg-desktop}
shift || true
[ -x "$APP" ] || { echo "smoke_test: no frozen app at $APP: run packaging/build.sh first" >&2; exit 2; }
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
export QT_QPA_PLATFORM=offscreen

version=$("$APP" --version)
echo "$version"
[ "$version" = "ereg-desktop $(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)" ] ||
  { echo "smoke_test: unexpected version line: $version" >&2; exit 1; }
"$APP" --config-dir "$PROFILE" "$@" --self-test
# the demo in a throwaway data dir (Linux: XDG_*), its server, pm2 stand-in and apps run by the app
XDG_DATA_HOME=$PROFILE/data XDG_CONFIG_HOME=$PROFILE/config XDG_STATE_HOME=$PROFILE/state \
  XDG_CACHE_HOME=$PROFILE/cache "$APP" --demo --self-test
echo "smoke_test: ok"
