"""Properties over any input: the file round-trips, the scanner and the tokens lose nothing and
never raise, the diff spells both sides, the checks never crash."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from ereg_desktop.services.i18n.changes import ChangeStatus
from ereg_desktop.services.i18n.checks import check_value
from ereg_desktop.services.i18n.diff import diff_messages
from ereg_desktop.services.i18n.messages_file import (
    panel_sort_key,
    parse_messages,
    serialize_messages,
)
from ereg_desktop.services.i18n.template import scan
from ereg_desktop.services.i18n.word_diff import Op, tokens, word_diff

# st.text() includes lone surrogates: the writer escapes them as Node's JSON.stringify does
texts = st.text(max_size=40)
template_texts = st.text(alphabet=st.sampled_from("${}\\'\"/*()[]` ab\n=;x"), max_size=30) | texts
values = texts | st.lists(texts, min_size=2, max_size=2)
maps = st.dictionaries(texts, values, max_size=12)


@settings(max_examples=300, deadline=None)
@given(maps)
def test_serialize_then_parse_gives_the_same_map_in_the_panels_order(messages: dict) -> None:  # type: ignore[type-arg]
    data = serialize_messages(messages)
    parsed = parse_messages(data)
    assert parsed == messages
    assert list(parsed) == sorted(messages, key=lambda k: panel_sort_key(k))
    assert serialize_messages(parsed) == data
    assert data.startswith(b"{\n  ") and data.endswith(b"\n}\n")
    assert data.count(b"\n") == max(len(messages), 1) + 2  # one pair a line


@settings(max_examples=500, deadline=None)
@given(template_texts)
def test_scan_never_raises_and_its_pieces_are_the_text(text: str) -> None:
    pieces = scan(text)
    assert "".join(p.text for p in pieces) == text
    position = 0
    for piece in pieces:
        assert piece.start == position and piece.end == position + len(piece.text)
        assert text[piece.start : piece.end] == piece.text
        if piece.kind == "sub":
            assert piece.text.startswith("${") and piece.text.endswith("}")
        position = piece.end
    assert all(a.kind != b.kind or a.kind == "sub" for a, b in pairwise(pieces))


@settings(max_examples=300, deadline=None)
@given(template_texts, template_texts)
def test_tokens_and_word_diff_spell_both_sides(old: str, new: str) -> None:
    assert "".join(tokens(old)) == old
    ops = word_diff(old, new)
    assert "".join(t for op, t in ops if op != Op.INSERT) == old
    assert "".join(t for op, t in ops if op != Op.DELETE) == new
    assert all(t for _, t in ops)


@settings(max_examples=300, deadline=None)
@given(template_texts, st.one_of(template_texts, st.lists(template_texts), st.integers()))
def test_checks_never_crash_and_always_name_the_key(key: str, value: object) -> None:
    for k in (key, f"n\0{key}\0{key}s"):
        for finding in check_value(k, value):  # type: ignore[arg-type]
            assert finding.key == k and finding.message


@settings(max_examples=200, deadline=None)
@given(maps, maps)
def test_the_diff_tells_every_key_once_in_panel_order(old: dict, new: dict) -> None:  # type: ignore[type-arg]
    changes = diff_messages(old, new)
    keys = [c.key for c in changes]
    assert keys == sorted(keys, key=panel_sort_key)
    assert set(keys) == {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    for c in changes:
        assert (c.old, c.new) == (old.get(c.key), new.get(c.key))
        assert (c.status is ChangeStatus.ADDED) == (c.key not in old)
        assert (c.status is ChangeStatus.REMOVED) == (c.key not in new)
