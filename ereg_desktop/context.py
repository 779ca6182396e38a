"""The one application context: built once at start-up and passed to every service and widget.

No module-level singletons and no work at import time: everything hangs off this object.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ereg_desktop.store.inventory import Inventory
from ereg_desktop.store.inventory_file import InventoryFile, LoadedInventory
from ereg_desktop.store.paths import AppPaths


@dataclass
class AppContext:
    paths: AppPaths
    inventory_file: InventoryFile
    loaded: LoadedInventory
    # Later layers (secrets, connection pool, history) attach here; see their modules.
    services: dict[str, Any] = field(default_factory=dict)
    # Held while a service is built into ``services`` (several worker threads may ask at once).
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def inventory(self) -> Inventory:
        return self.loaded.inventory

    @classmethod
    def for_cli(cls, paths: AppPaths) -> AppContext:
        """Strict: a broken inventory raises InventoryError (exit code 2)."""
        f = InventoryFile(paths.inventory_file)
        return cls(paths, f, LoadedInventory(f.load(), source=paths.inventory_file))

    @classmethod
    def for_gui(cls, paths: AppPaths) -> AppContext:
        """Forgiving: a broken inventory is reported and the last good copy is used."""
        f = InventoryFile(paths.inventory_file)
        return cls(paths, f, f.load_for_gui())
