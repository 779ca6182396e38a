import sys

from ereg_desktop.cli import main

sys.exit(main())
