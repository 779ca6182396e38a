"""Where each message key is used in the app's code: ``i18n-scan-map.generated.json``.

``npm run setup`` writes it on the server (it is not in git), shaped
``{key: {context: [{fileName, line, column, ...}]}}``. A key used under ``/model/`` can be a fixed
``StringLine`` property of the model, where a line break stops the server from starting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ereg_desktop.services.i18n.messages_file import TranslationsFileInvalid
from ereg_desktop.services.i18n.review import KeyUsage

SCAN_MAP_NAME = "i18n-scan-map.generated.json"


@dataclass(frozen=True)
class ScanMap:
    usages: dict[str, tuple[KeyUsage, ...]] = field(default_factory=dict)

    def usage(self, key: str) -> tuple[KeyUsage, ...]:
        return self.usages.get(key, ())

    def model_bound(self, key: str) -> bool:
        return any(u.model_bound for u in self.usages.get(key, ()))

    def model_usage(self, key: str) -> KeyUsage | None:
        """The first use of ``key`` under ``/model/``, if any."""
        return next((u for u in self.usages.get(key, ()) if u.model_bound), None)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def parse_scan_map(data: bytes) -> ScanMap:
    """The usages in the file; raises :class:`TranslationsFileInvalid` when it is not that shape.

    Locations without a ``fileName`` are left out; unknown fields are ignored.
    """
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise TranslationsFileInvalid(SCAN_MAP_NAME, "not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise TranslationsFileInvalid(
            SCAN_MAP_NAME, f"not valid JSON ({exc.msg})", exc.lineno, exc.colno
        ) from None
    except (ValueError, RecursionError) as exc:
        raise TranslationsFileInvalid(SCAN_MAP_NAME, f"not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise TranslationsFileInvalid(SCAN_MAP_NAME, "not a JSON object of key: contexts")
    usages: dict[str, tuple[KeyUsage, ...]] = {}
    for key, contexts in raw.items():
        if not isinstance(contexts, dict):
            raise TranslationsFileInvalid(
                SCAN_MAP_NAME,
                f"the entry of {json.dumps(key, ensure_ascii=False)[:80]} is not an object of contexts",
            )
        found: list[KeyUsage] = []
        for context, places in contexts.items():
            if not isinstance(places, list):
                raise TranslationsFileInvalid(
                    SCAN_MAP_NAME,
                    f"the places of {json.dumps(key, ensure_ascii=False)[:80]} are not a list",
                )
            for place in places:
                if not isinstance(place, dict):
                    continue
                file = place.get("fileName")
                if not isinstance(file, str) or not file:
                    continue
                found.append(
                    KeyUsage(file, _int(place.get("line")), _int(place.get("column")), str(context))
                )
        usages[key] = tuple(found)
    return ScanMap(usages)
