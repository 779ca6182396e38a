#!/usr/bin/env bash
# The frozen build's smoke test: its version, then the self-test (the window opens offscreen, is
# painted once and closes; with --demo, once the demo is part of the app, one status refresh).
#   packaging/smoke_test.sh [dist/ereg-desktop/ereg-desktop] [extra args, e.g. --demo]
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
echo "smoke_test: ok"
