"""The word-level highlight and the invisible characters made visible."""

from __future__ import annotations

import pytest

from ereg_desktop.services.i18n.invisibles import TRAILING_SPACE, invisible, visible_pieces
from ereg_desktop.services.i18n.word_diff import Op, tokens, word_diff


def test_tokens_are_words_spaces_punctuation_and_whole_substitutions() -> None:
    assert tokens("Hola ${ a + '}' }, señor  García.") == [
        "Hola", " ", "${ a + '}' }", ",", " ", "señor", "  ", "García", ".",
    ]  # fmt: skip
    assert tokens("") == []
    assert tokens("\\${ x }") == ["\\", "$", "{", " ", "x", " ", "}"]


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("cafe\u0301", "cafe\u0301"),  # e + combining acute stays with the word
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467", None),  # a family emoji (ZWJ sequence)
        ("\u2764\ufe0f", None),  # a heart with its variation selector
        ("\U0001f44d\U0001f3fd", None),  # a thumb with its skin tone
        ("\u0915\u094d\u0937", "\u0915\u094d\u0937"),  # Devanagari conjunct (virama Mn)
    ],
)
def test_a_combining_sequence_is_never_split(text: str, whole: str | None) -> None:
    assert text in tokens(f"a {text} b")
    if whole is not None:
        assert tokens(text) == [whole]


def test_word_diff_marks_what_changed_by_words() -> None:
    assert word_diff("Hola ${ name }, bienvenido", "Hola ${ nombre }, bienvenida") == [
        (Op.EQUAL, "Hola "),
        (Op.DELETE, "${ name }"),
        (Op.INSERT, "${ nombre }"),
        (Op.EQUAL, ", "),
        (Op.DELETE, "bienvenido"),
        (Op.INSERT, "bienvenida"),
    ]
    assert word_diff("", "Nuevo") == [(Op.INSERT, "Nuevo")]
    assert word_diff("Viejo", "") == [(Op.DELETE, "Viejo")]
    assert word_diff("Igual", "Igual") == [(Op.EQUAL, "Igual")]


def test_word_diff_keeps_an_accent_change_inside_one_word() -> None:
    assert word_diff("cafe\u0301 listo", "cafe\u0300 listo") == [
        (Op.DELETE, "cafe\u0301"),
        (Op.INSERT, "cafe\u0300"),
        (Op.EQUAL, " listo"),
    ]


@pytest.mark.parametrize(
    ("char", "name", "glyph"),
    [
        ("\n", "LINE FEED", "↵"),
        ("\u2028", "LINE SEPARATOR", "↵"),
        ("\x85", "NEXT LINE", "↵"),
        ("\t", "CHARACTER TABULATION", "⇥"),
        ("\u00a0", "NO-BREAK SPACE", "⍽"),
        ("\u202f", "NARROW NO-BREAK SPACE", "⍽"),
        ("\u2003", "EM SPACE", "[U+2003]"),
        ("\u3000", "IDEOGRAPHIC SPACE", "[U+3000]"),
        ("\u00ad", "SOFT HYPHEN", "[U+00AD]"),
        ("\u200b", "ZERO WIDTH SPACE", "[U+200B]"),
        ("\ufeff", "ZERO WIDTH NO-BREAK SPACE", "[U+FEFF]"),
        ("\u202e", "RIGHT-TO-LEFT OVERRIDE", "[U+202E]"),
        ("\u2067", "RIGHT-TO-LEFT ISOLATE", "[U+2067]"),
        ("\x00", "NULL", "[U+0000]"),
    ],
)
def test_invisible_characters_get_a_name_and_a_glyph(char: str, name: str, glyph: str) -> None:
    found = invisible(char)
    assert found is not None
    assert (found.char, found.name, found.glyph) == (char, name, glyph)


@pytest.mark.parametrize("char", ["a", " ", "é", "\U0001f600", "-", "\u0301"])
def test_visible_characters_are_not_invisible(char: str) -> None:
    assert invisible(char) is None


def test_visible_pieces_split_runs_and_mark_trailing_spaces() -> None:
    pieces = visible_pieces("Hola\u00a0mundo  \ny\u200b fin ")
    assert [(text, None if inv is None else inv.glyph) for text, inv in pieces] == [
        ("Hola", None),
        ("\u00a0", "⍽"),
        ("mundo", None),
        (" ", "·"),
        (" ", "·"),
        ("\n", "↵"),
        ("y", None),
        ("\u200b", "[U+200B]"),
        (" fin", None),
        (" ", "·"),
    ]
    assert pieces[-1][1] is TRAILING_SPACE
    assert visible_pieces("") == []
    assert visible_pieces("a b") == [("a b", None)]
