"""The frozen app's entry script: the same as ``python -m ereg_desktop`` (ereg_desktop/__main__.py).

A script outside the package, so PyInstaller analyses ``ereg_desktop`` as the installed package
and never puts the package's own folder on the module path."""

import sys

from ereg_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
