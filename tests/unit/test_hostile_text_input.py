"""Operator text checked at the edge (defect 3 of issue 8): whatever is typed, a text accepted as
a reason encodes as UTF-8, stays one line and is short; a refused one says why."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ereg_desktop.errors import BadInputError
from ereg_desktop.services.text_input import (
    MAX_REASON_CHARS,
    check_name,
    check_reason,
    reason_problem,
)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_an_accepted_reason_can_always_be_sent_as_one_short_line(text: str) -> None:
    problem = reason_problem(text)
    if problem is not None:
        assert problem.startswith("The reason ") and problem.endswith(".")
        return
    encoded = text.encode("utf-8")  # never raises for an accepted text
    assert len(encoded) <= 4 * MAX_REASON_CHARS
    assert len(json.dumps(text, ensure_ascii=False).splitlines()) == 1
    assert len(("x" + text + "x").splitlines()) == 1


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=200))
def test_argv_bytes_that_are_not_utf8_are_always_refused(raw: bytes) -> None:
    text = raw.decode("utf-8", "surrogateescape")  # what sys.argv holds
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        assert reason_problem(text) is not None and "not UTF-8" in str(reason_problem(text))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        pytest.param(
            "caf\udce9",
            "byte 0xe9",
            marks=pytest.mark.hostile(
                area="deploy: reason",
                tried="a reason with a byte that is not UTF-8 (surrogate-escaped from argv)",
                outcome="refused: names the byte and says to type it in UTF-8",
            ),  # fmt: skip
        ),
        pytest.param(
            "a\x00b",
            "NUL",
            marks=pytest.mark.hostile(
                area="deploy: reason",
                tried="a reason holding NUL",
                outcome="refused: a control character, named",
            ),
        ),
        pytest.param(
            "a\u2029b",
            "PARAGRAPH SEPARATOR",
            marks=pytest.mark.hostile(
                area="deploy: reason",
                tried="a reason holding U+2029",
                outcome="refused: it would split the audit record",
            ),
        ),
        pytest.param(
            "a\ud800b",
            "lone surrogate",
            marks=pytest.mark.hostile(
                area="deploy: reason",
                tried="a reason holding a lone surrogate (U+D800) from a GUI paste",
                outcome="refused: it cannot be encoded",
            ),
        ),
        pytest.param("y" * (MAX_REASON_CHARS + 1), f"at most {MAX_REASON_CHARS}"),
    ],
)
def test_a_reason_that_cannot_be_sent_says_why(text: str, said: str) -> None:
    with pytest.raises(BadInputError, match=said):
        check_reason(text)


def test_ordinary_text_passes() -> None:
    assert check_reason("urgent fix\tfor the café ✓") == "urgent fix\tfor the café ✓"
    assert check_name("The operator's name", "Zoë Ñúñez") == "Zoë Ñúñez"
    with pytest.raises(BadInputError, match="operator's name"):
        check_name("The operator's name", "x" * 201)
