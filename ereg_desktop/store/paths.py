"""Where the app keeps its files. One ``--config-dir`` moves all of them (tests, side-by-side profiles)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ereg_desktop.store.secrets import SecretStore

APP_NAME = "ereg-desktop"


@dataclass(frozen=True)
class SessionProfile:
    """A profile made for one run (the embedded demo): its secrets live in memory, its GitHub is
    a stand-in. The context takes these instead of the OS keyring and settings.toml's GitHub."""

    name: str
    secrets: SecretStore = field(repr=False)
    github_token: str | None = field(default=None, repr=False)
    github_api_url: str | None = None


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    log_dir: Path
    inventory_file: Path
    # set for a session's own profile (``--demo``); None: the operator's keyring and settings
    profile: SessionProfile | None = field(default=None, compare=False, repr=False)

    @classmethod
    def resolve(
        cls, config_dir: str | Path | None = None, inventory: str | Path | None = None
    ) -> AppPaths:
        """Platform defaults, or everything under ``config_dir`` when given."""
        if config_dir is not None:
            root = Path(config_dir).expanduser().absolute()
            cfg, data, log = root, root / "data", root / "logs"
        else:
            import platformdirs

            cfg = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
            data = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
            log = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
        inv = Path(inventory).expanduser().absolute() if inventory else cfg / "inventory.toml"
        return cls(config_dir=cfg, data_dir=data, log_dir=log, inventory_file=inv)

    @classmethod
    def for_profile(cls, root: Path, profile: SessionProfile, inventory: Path) -> AppPaths:
        """Every file under ``root`` (as ``--config-dir``), with ``profile``'s services."""
        paths = cls.resolve(root, inventory)
        return cls(paths.config_dir, paths.data_dir, paths.log_dir, inventory, profile)

    @property
    def known_hosts_file(self) -> Path:
        return self.config_dir / "known_hosts"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def window_layout_file(self) -> Path:
        return self.config_dir / "window-layout.json"

    @property
    def metrics_db(self) -> Path:
        return self.data_dir / "metrics.sqlite3"
