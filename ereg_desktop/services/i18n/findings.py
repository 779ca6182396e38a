"""What the checks found: a :class:`Finding` per problem, with a stable check id and a severity.

The ids are the names translators know from Weblate where one fits. ``error`` blocks the
submission, ``warning`` needs the operator's acknowledgement, ``info`` is shown.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.StrEnum):
    ERROR = "error"  # blocks the submission
    WARNING = "warning"  # needs an acknowledgement
    INFO = "info"  # shown

    @property
    def rank(self) -> int:
        return {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}[self]


class CheckId(enum.StrEnum):
    ES_FORMAT = "es_format"  # `${ }` holding anything but a plain identifier (runs as JavaScript)
    PLACEHOLDERS = (
        "placeholders"  # substitutions differ from the key's: unknown (error), missing (warning)
    )
    STRINGLINE = "stringline"  # a line break or other StringLine-forbidden character introduced
    NEWLINE_COUNT = "newline-count"  # the number of line breaks differs where the key has some
    ESCAPED_NEWLINE = "escaped_newline"  # a literal backslash-n typed
    MD_LINK = "md-link"  # a Markdown link target changed
    ZERO_WIDTH = "zero-width-space"  # zero-width, BOM, soft hyphen, bidirectional controls
    DOUBLE_SPACE = "double_space"
    BEGIN_SPACE = "begin_space"
    END_SPACE = "end_space"
    SAME = "same"  # the translation equals the key
    VALUE_TYPE = "value-type"  # not a string; a plural key without a 2-item array of strings
    JSON = "json"  # the file is not valid JSON / not a flat object
    LAYOUT = "layout"  # the file is not in the translations panel's exact layout
    MODEL_LOAD = "model-load"  # the server's model did not load with the candidate file


@dataclass(frozen=True)
class Finding:
    key: str | None  # None: about the whole file (json, layout, model-load)
    check: CheckId
    severity: Severity
    message: str  # for a translator-minded person: what is wrong and what the source has
    item: int | None = None  # for a plural: which item (0 singular, 1 plural)
    where: str = ""  # where the key is used, e.g. "model/documents.js:12" (scan map)

    @property
    def blocks(self) -> bool:
        return self.severity == Severity.ERROR

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "check": str(self.check),
            "severity": str(self.severity),
            "message": self.message,
        }
