"""Where the app keeps its files. One ``--config-dir`` moves all of them (tests, side-by-side profiles)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

APP_NAME = "ereg-desktop"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    log_dir: Path
    inventory_file: Path

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
