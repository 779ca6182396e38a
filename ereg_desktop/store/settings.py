"""The operator's preferences (``settings.toml`` in the config dir): small, versioned, atomic.

A missing or broken file gives the defaults (the window must always start); values out of range
are clamped. Nothing secret ever goes here.
"""

from __future__ import annotations

import logging
import tomllib
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path

from ereg_desktop.store.alert_settings import AlertPrefs, alert_prefs_document, load_alert_prefs
from ereg_desktop.store.atomic import atomic_write

log = logging.getLogger(__name__)

VERSION = 1
DEFAULT_REFRESH_S = 10
MIN_REFRESH_S = 2
MAX_REFRESH_S = 3600
DEFAULT_GITHUB_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class Settings:
    refresh_interval_s: int = DEFAULT_REFRESH_S
    # GitHub Enterprise: https://HOST/api/v3 (the translations pull requests go there)
    github_api_url: str = DEFAULT_GITHUB_API_URL
    # the model-load check of pending translations on the server, for development deployments
    # too (production always has it): [translations] model_check_development = true
    model_check_development: bool = False
    # [alerts] (store/alert_settings.py): the grace time and the memory thresholds
    alerts: AlertPrefs = AlertPrefs()

    def with_refresh_interval(self, seconds: int) -> Settings:
        return replace(self, refresh_interval_s=clamp_refresh(seconds))


def clamp_refresh(seconds: int) -> int:
    return max(MIN_REFRESH_S, min(MAX_REFRESH_S, int(seconds)))


def valid_api_url(value: object) -> str | None:
    """``value`` as an API base URL (http or https, a host, no query), or None."""
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        return None
    value = value.strip().rstrip("/")
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return None
    if " " in value or parts.username or parts.password:
        return None  # credentials never go in this file
    return value


def _github_api_url(path: Path, data: dict[str, object]) -> str:
    github = data.get("github")
    value = github.get("api_url") if isinstance(github, dict) else None
    if value is None:
        return DEFAULT_GITHUB_API_URL
    url = valid_api_url(value)
    if url is None:
        shown = "a URL with credentials" if "@" in str(value) else repr(value)  # kept out of logs
        log.info(
            "settings file %s: github.api_url is %s, not an http(s) URL without credentials: "
            "using %s",
            path,
            shown,
            DEFAULT_GITHUB_API_URL,
        )
        return DEFAULT_GITHUB_API_URL
    return url


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
    base = Settings(
        github_api_url=_github_api_url(path, data),
        model_check_development=_model_check_development(path, data),
        alerts=load_alert_prefs(path, data),
    )
    status = data.get("status")
    interval = status.get("refresh_interval_s") if isinstance(status, dict) else None
    if interval is None:
        return base
    if not isinstance(interval, int) or isinstance(interval, bool):
        log.info(
            "settings file %s: status.refresh_interval_s is %r, not a number of seconds: "
            "using the default",
            path,
            interval,
        )
        return base
    return replace(base, refresh_interval_s=clamp_refresh(interval))


def _model_check_development(path: Path, data: dict[str, object]) -> bool:
    section = data.get("translations")
    value = section.get("model_check_development") if isinstance(section, dict) else None
    if value is None:
        return False
    if not isinstance(value, bool):
        log.info("settings file %s: translations.model_check_development is %r, not true or "
                 "false: using false", path, value)  # fmt: skip
        return False
    return value


def save_settings(path: Path, settings: Settings) -> None:
    import tomli_w  # only when saving: start-up needs just the reader

    document: dict[str, object] = {
        "version": VERSION,
        "status": {"refresh_interval_s": settings.refresh_interval_s},
        "alerts": alert_prefs_document(settings.alerts),
    }
    if settings.github_api_url != DEFAULT_GITHUB_API_URL:
        document["github"] = {"api_url": settings.github_api_url}
    if settings.model_check_development:
        document["translations"] = {"model_check_development": True}
    atomic_write(path, tomli_w.dumps(document).encode("utf-8"), mode=0o644)
