"""The operator's preferences (``settings.toml`` in the config dir): small, versioned, atomic.

A missing or broken file gives the defaults (the window must always start); values out of range
are clamped. Nothing secret ever goes here.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from ereg_desktop.store.atomic import atomic_write

log = logging.getLogger(__name__)

VERSION = 1
DEFAULT_REFRESH_S = 10
MIN_REFRESH_S = 2
MAX_REFRESH_S = 3600


@dataclass(frozen=True)
class Settings:
    refresh_interval_s: int = DEFAULT_REFRESH_S

    def with_refresh_interval(self, seconds: int) -> Settings:
        return replace(self, refresh_interval_s=clamp_refresh(seconds))


def clamp_refresh(seconds: int) -> int:
    return max(MIN_REFRESH_S, min(MAX_REFRESH_S, int(seconds)))


def load_settings(path: Path) -> Settings:
    """The saved settings, or the defaults when the file is missing or unreadable."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: a BOM from Notepad is fine
        data = tomllib.loads(text)
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        log.info("settings file %s unreadable (%s): using the defaults", path, exc)
        return Settings()
    if not text.strip():
        log.info("settings file %s is empty: using the defaults", path)
        return Settings()
    status = data.get("status")
    interval = status.get("refresh_interval_s") if isinstance(status, dict) else None
    if interval is None:
        return Settings()
    if not isinstance(interval, int) or isinstance(interval, bool):
        log.info(
            "settings file %s: status.refresh_interval_s is %r, not a number of seconds: "
            "using the default",
            path,
            interval,
        )
        return Settings()
    return Settings(refresh_interval_s=clamp_refresh(interval))


def save_settings(path: Path, settings: Settings) -> None:
    import tomli_w  # only when saving: start-up needs just the reader

    document = {
        "version": VERSION,
        "status": {"refresh_interval_s": settings.refresh_interval_s},
    }
    atomic_write(path, tomli_w.dumps(document).encode("utf-8"), mode=0o644)
