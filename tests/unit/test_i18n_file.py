"""``i18n-messages.json``: the panel's exact bytes, its order by UTF-16 code units, strict reading."""

from __future__ import annotations

import pytest

from ereg_desktop.errors import EXIT_BAD_INPUT
from ereg_desktop.services.i18n.messages_file import (
    TranslationsFileInvalid,
    blob_sha,
    display_key,
    pair_lines,
    panel_sort_key,
    parse_messages,
    plural_parts,
    serialize_messages,
    sorted_keys,
)

# Written by hand from the facts (layout, order, JSON.stringify escaping), not by the code.
PANEL_SAMPLE = (
    b"{\n"
    b'  "A": "x",\n'
    b'  "a": "y",\n'
    b'  "Business registration": "Registro de empresas",\n'
    b'  "Dear ${ fullName },\\n\\nYour file is ready.": "Estimado/a ${ fullName },\\n\\nSu '
    b'expediente est\xc3\xa1 listo.",\n'
    b'  "e": "tab\\there, quote \\" and backslash \\\\ and \\u0001 and \x7f",\n'
    b'  "Go to [re-submit](/submission/#submit-form)": "Ir a [reenviar](/submission/#submit-form)",\n'
    b'  "n\\u0000One file\\u0000${ n } files": ["Un archivo","${ n } archivos"],\n'
    b'  "sep": "a\xe2\x80\xa8b\xe2\x80\xa9c\xc2\x85d",\n'
    b'  "\xc3\x89tat": "\xc3\x89tat",\n'
    b'  "\xf0\x9f\x98\x80 smile": "sonrisa",\n'
    b'  "\xef\xbf\xbf": "last"\n'
    b"}\n"
)
PANEL_MESSAGES = {
    "\uffff": "last",
    "\U0001f600 smile": "sonrisa",
    "État": "État",
    "sep": "a\u2028b\u2029c\x85d",
    "n\0One file\0${ n } files": ["Un archivo", "${ n } archivos"],
    "Go to [re-submit](/submission/#submit-form)": "Ir a [reenviar](/submission/#submit-form)",
    "e": 'tab\there, quote " and backslash \\ and \x01 and \x7f',
    "Dear ${ fullName },\n\nYour file is ready.": "Estimado/a ${ fullName },\n\nSu expediente está listo.",
    "Business registration": "Registro de empresas",
    "a": "y",
    "A": "x",
}


def test_the_panels_layout_is_written_byte_for_byte() -> None:
    assert serialize_messages(PANEL_MESSAGES) == PANEL_SAMPLE


def test_the_panels_file_reads_back_to_the_same_map_and_bytes() -> None:
    parsed = parse_messages(PANEL_SAMPLE)
    assert parsed == PANEL_MESSAGES
    assert list(parsed) == sorted_keys(PANEL_MESSAGES)
    assert serialize_messages(parsed) == PANEL_SAMPLE


def test_an_empty_map_is_the_panels_seven_bytes() -> None:
    assert serialize_messages({}) == b"{\n  \n}\n"
    assert len(serialize_messages({})) == 7
    assert parse_messages(b"{\n  \n}\n") == {}


def test_one_pair() -> None:
    assert serialize_messages({"Yes": "S\u00ed"}) == b'{\n  "Yes": "S\xc3\xad"\n}\n'


def test_control_characters_are_escaped_as_javascript_does() -> None:
    text = "".join(chr(c) for c in range(0x20)) + "\x7f\u2028\u2029"
    expected = (
        b'{\n  "k": "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b'
        b"\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
        b'\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\x7f\xe2\x80\xa8\xe2\x80\xa9"\n}\n'
    )
    assert serialize_messages({"k": text}) == expected


def test_a_lone_surrogate_is_written_as_an_escape_as_node_does() -> None:
    data = serialize_messages({"k": "a\ud800b", "l": "\udc00"})
    assert data == b'{\n  "k": "a\\ud800b",\n  "l": "\\udc00"\n}\n'
    assert parse_messages(data) == {"k": "a\ud800b", "l": "\udc00"}


def test_a_surrogate_pair_held_as_two_code_points_is_one_character() -> None:
    assert serialize_messages({"k": "\ud83d\ude00\ud800"}) == (
        b'{\n  "k": "\xf0\x9f\x98\x80\\ud800"\n}\n'
    )


def test_values_of_other_types_are_written_as_json_stringify_does() -> None:
    data = serialize_messages({"a": 1.0, "b": [1, None, True], "c": {"x": "y"}, "d": 1.5e-7})
    assert data == b'{\n  "a": 1,\n  "b": [1,null,true],\n  "c": {"x":"y"},\n  "d": 1.5e-7\n}\n'


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("\U0001f600", "\uffff"),  # UTF-16: D83D DE00 < FFFF, code points say the opposite
        ("\U00010400", "\ue000"),
        ("a", "B"),  # lower case first
        ("A", "a"),  # then the raw key: "A" < "a"
        ("Zeta", "\u00e9t\u00e9"),
        ("n\0a\0b", "nothing"),
    ],
)
def test_the_panel_orders_by_lower_case_then_raw_key_in_utf16_code_units(
    first: str, second: str
) -> None:
    assert panel_sort_key(first) < panel_sort_key(second)
    assert sorted_keys([second, first]) == [first, second]
    assert sorted_keys([first, second]) == [first, second]


def test_sorted_keys_agrees_with_the_sort_key_on_mixed_keys() -> None:
    keys = ["b", "\U0001f600x", "\uffff", "B", "a\U0001f600", "a\uffff", "\ud800", "\ue000", "é"]
    assert sorted_keys(keys) == sorted(keys, key=panel_sort_key)
    assert sorted_keys(keys).index("\U0001f600x") < sorted_keys(keys).index("\ue000")


def test_plural_keys() -> None:
    assert plural_parts("n\0One file\0${ n } files") == ("One file", "${ n } files")
    assert plural_parts("One file") is None
    assert plural_parts("n\0only one part") is None
    assert plural_parts("n\0a\0b\0c") is None
    assert display_key("n\0One file\0${ n } files") == "One file | ${ n } files"
    assert display_key("Save") == "Save"


def test_blob_sha_is_gits() -> None:
    assert blob_sha(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_pair_lines_gives_each_keys_line_and_raw_text() -> None:
    lines = pair_lines(PANEL_SAMPLE)
    assert lines["A"] == (2, '  "A": "x",')
    assert lines["n\0One file\0${ n } files"] == (
        8,
        '  "n\\u0000One file\\u0000${ n } files": ["Un archivo","${ n } archivos"],',
    )
    assert lines["\uffff"] == (12, '  "\uffff": "last"')
    assert len(lines) == len(PANEL_MESSAGES)


def test_pair_lines_never_raises_on_garbage() -> None:
    assert pair_lines(b'\xff\xfe{"a": 1,\n "b\\": [\n') == {}
    assert pair_lines(b'{\n    "x": {\n        "y": 2}}')["x"] == (2, '    "x": {')


def _invalid(data: bytes) -> TranslationsFileInvalid:
    with pytest.raises(TranslationsFileInvalid) as info:
        parse_messages(data)
    assert info.value.exit_code == EXIT_BAD_INPUT
    assert str(info.value).startswith("i18n-messages.json")
    return info.value


@pytest.mark.hostile(
    area="translations",
    tried="i18n-messages.json with a key twice",
    outcome="refused: names the key and the line of the second one",
)
def test_a_duplicate_key_is_invalid_and_named_with_its_line() -> None:
    err = _invalid(b'{\n  "Save": "Guardar",\n  "Open": "Abrir",\n  "Save": "Salvar"\n}\n')
    assert err.line == 4
    assert '"Save" appears twice' in str(err)
    assert "line 4" in str(err)


@pytest.mark.hostile(
    area="translations",
    tried="i18n-messages.json cut off in the middle (a missing value and brace)",
    outcome="refused: not valid JSON, with the line and column",
)
def test_truncated_json_is_invalid_with_line_and_column() -> None:
    err = _invalid(b'{\n  "a": "b",\n  "c": ')
    assert (err.line, err.column) == (3, 8)
    assert "not valid JSON" in str(err)


@pytest.mark.hostile(
    area="translations",
    tried="i18n-messages.json holding a byte that is not UTF-8 (saved as Latin-1)",
    outcome="refused: names the byte, its line and column",
)
def test_a_byte_that_is_not_utf8_is_named() -> None:
    err = _invalid(b'{\n  "Yes": "S\xed"\n}\n')
    assert (err.line, err.column) == (2, 12)
    assert "0xed" in str(err)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'["a", "b"]', "a JSON array"),
        (b'"just text"', "a JSON string"),
        (b"null", "a JSON null"),
        (b'{"a": NaN}', "not valid JSON"),
        (b'{"a": Infinity}', "not valid JSON"),
        (b"", "not valid JSON"),
        (b"{'a': 'b'}", "not valid JSON"),
        (b'{"a": "b",}', "not valid JSON"),
        (b'{"a": "line\nbreak"}', "not valid JSON"),
    ],
)
@pytest.mark.hostile(
    area="translations",
    tried="i18n-messages.json that is not a JSON object (array, string, null, NaN, empty, "
    "single quotes, a trailing comma, a raw line break in a string)",
    outcome="refused with the file's name and what is wrong; nothing is rewritten",
)
def test_what_is_not_a_flat_json_object_is_invalid(data: bytes, words: str) -> None:
    assert words in str(_invalid(data))


def test_a_wrong_value_type_is_read_for_the_checks_to_report() -> None:
    assert parse_messages(b'{"a": 1, "b": ["x"], "c": {"d": null}}') == {
        "a": 1,
        "b": ["x"],
        "c": {"d": None},
    }


def test_a_byte_order_mark_is_read_as_nodes_require_reads_it() -> None:
    assert parse_messages(b'\xef\xbb\xbf{\n  "a": "b"\n}\n') == {"a": "b"}


def test_the_name_given_is_the_one_in_the_message() -> None:
    with pytest.raises(TranslationsFileInvalid, match=r"^old\.json, line 1, column 1: "):
        parse_messages(b"x", "old.json")
