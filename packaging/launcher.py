"""The frozen app's entry script: the same as ``python -m ereg_desktop`` (ereg_desktop/__main__.py).

A script outside the package, so PyInstaller analyses ``ereg_desktop`` as the installed package
and never puts the package's own folder on the module path."""

import sys

from ereg_desktop.cli import main


def _demo_script() -> int | None:
    """The embedded demo's pm2 stand-in and its apps are scripts: the frozen app, which has no
    python beside it, runs them itself when called with their hidden argument."""
    from ereg_desktop.demo import pm2_standin, pm2_standin_app

    entry = sys.argv[1] if len(sys.argv) > 1 else ""
    if entry == pm2_standin.FROZEN_PM2:
        return pm2_standin.main(sys.argv[2:])
    if entry == pm2_standin.FROZEN_APP:
        sys.argv = [sys.argv[0], *sys.argv[2:]]
        return pm2_standin_app.main()
    return None


if __name__ == "__main__":
    code = _demo_script()
    sys.exit(main() if code is None else code)
