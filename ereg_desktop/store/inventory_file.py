"""Loading and saving ``inventory.toml``: first-start default, last good copy, atomic writes."""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass
from pathlib import Path

from ereg_desktop.errors import InventoryError
from ereg_desktop.store.atomic import atomic_write
from ereg_desktop.store.default_inventory import DEFAULT_INVENTORY_TOML
from ereg_desktop.store.inventory import Inventory
from ereg_desktop.store.inventory_toml import dump_inventory, parse_inventory

log = logging.getLogger(__name__)


@dataclass
class LoadedInventory:
    """What the app runs with. ``problem`` is set when the file is broken and a copy was used."""

    inventory: Inventory
    problem: InventoryError | None = None
    source: Path | None = None


class InventoryFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def last_good_path(self) -> Path:
        return self.path.with_name(self.path.name + ".last-good")

    def load(self) -> Inventory:
        """Strict load for the CLI: a broken file raises :class:`InventoryError` (exit code 2)."""
        text = self._read_text()
        inv = parse_inventory(text, str(self.path))
        self._remember_good(text)
        return inv

    def _read_text(self) -> str:
        """The file as text, or :class:`InventoryError` naming the file (and line): a missing
        file becomes the example, a BOM (Notepad) is accepted, an empty file is refused (a disk
        or an editor cut it: taking it for "no servers" would replace the last good copy)."""
        path = str(self.path)
        if not self.path.exists():
            try:
                atomic_write(self.path, DEFAULT_INVENTORY_TOML.encode(), mode=0o644)
            except OSError as exc:
                raise InventoryError(
                    path, [(None, f"missing, and the example cannot be written: {exc.strerror}")]
                ) from None
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise InventoryError(path, [(None, f"cannot read: {exc.strerror}")]) from None
        data = data.removeprefix(codecs.BOM_UTF8)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            problem = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at column {column})"
            raise InventoryError(path, [(line, problem)]) from None
        if not text.strip():
            raise InventoryError(
                path,
                [
                    (
                        None,
                        f"the file is empty; restore it from {self.last_good_path.name} beside "
                        "it, or delete it to start again from the example",
                    )
                ],
            )
        return text

    def load_for_gui(self) -> LoadedInventory:
        """Never fails: a broken file is reported and the last good copy (or the default) is used."""
        try:
            return LoadedInventory(self.load(), source=self.path)
        except InventoryError as problem:
            for candidate in (self.last_good_path,):
                if candidate.exists():
                    try:
                        text = candidate.read_text(encoding="utf-8-sig")
                        return LoadedInventory(
                            parse_inventory(text, str(candidate)), problem, candidate
                        )
                    except (InventoryError, OSError, UnicodeDecodeError):
                        pass
            return LoadedInventory(
                parse_inventory(DEFAULT_INVENTORY_TOML, "default"), problem, None
            )

    def save(self, inv: Inventory) -> None:
        """Validate what is about to be written, then replace the file atomically."""
        text = dump_inventory(inv)
        parse_inventory(text, str(self.path))  # never write a file the app would refuse to read
        atomic_write(self.path, text.encode(), mode=0o644)
        self._remember_good(text)

    def _remember_good(self, text: str) -> None:
        try:
            if self.last_good_path.read_text(encoding="utf-8") == text:
                return
        except (OSError, UnicodeDecodeError):
            pass
        try:
            atomic_write(self.last_good_path, text.encode(), mode=0o644)
        except OSError as exc:  # a read-only folder: the inventory itself is still usable
            log.info("could not keep a last good copy %s: %s", self.last_good_path, exc)
