"""Each offline check fires where the facts' table says and stays quiet where the key already has
the same thing; a scan map makes a model-bound key's finding name its file and line."""

from __future__ import annotations

import json

import pytest

from ereg_desktop.services.i18n.changes import Change, ChangeStatus, Value
from ereg_desktop.services.i18n.checks import check_changes, check_layout, check_value
from ereg_desktop.services.i18n.findings import CheckId, Finding, Severity
from ereg_desktop.services.i18n.messages_file import (
    TranslationsFileInvalid,
    parse_messages,
    serialize_messages,
)
from ereg_desktop.services.i18n.review import KeyUsage, apply_edits, build_review
from ereg_desktop.services.i18n.scan_map import parse_scan_map

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def _found(key: str, value: Value) -> list[tuple[CheckId, Severity]]:
    return [(f.check, f.severity) for f in check_value(key, value)]


def _one(key: str, value: Value) -> Finding:
    (finding,) = check_value(key, value)
    return finding


# --- substitutions ---------------------------------------------------------------------------


def test_an_unknown_name_is_an_error_that_says_what_the_source_has() -> None:
    found = check_value("I'm ${ fullName }", "Soy ${ primerNombre }")
    assert [(f.check, f.severity) for f in found] == [
        (CheckId.PLACEHOLDERS, E),
        (CheckId.PLACEHOLDERS, W),
    ]
    assert found[0].message.startswith(
        "`${ primerNombre }` is not in the source; the source has `${ fullName }`"
    )
    assert found[0].key == "I'm ${ fullName }" and found[0].blocks
    assert "`${ fullName }`" in found[1].message and "missing" in found[1].message


def test_substitutions_compare_as_multisets_order_and_spacing_free() -> None:
    assert _found("${ a } and ${ b }", "${b} y ${  a  }") == []
    assert _found("${ a } and ${ a }", "${ a } y ${ a }") == []
    assert _found("${ a }", "${ a } ${ a }") == [(CheckId.PLACEHOLDERS, E)]
    assert "appears twice; the source has it once" in _one("${ a }", "${ a } ${ a }").message
    assert _found("${ a } ${ a }", "${ a }") == [(CheckId.PLACEHOLDERS, W)]


def test_a_missing_substitution_is_a_warning() -> None:
    assert _found("Hi ${ a } and ${ b }", "Hola ${ a }") == [(CheckId.PLACEHOLDERS, W)]


def test_a_substitution_in_a_translation_of_a_key_without_any() -> None:
    finding = _one("Save", "Guardar ${ x }")
    assert (finding.check, finding.severity) == (CheckId.PLACEHOLDERS, E)
    assert "the source has no `${ }`" in finding.message


@pytest.mark.hostile(
    area="translations",
    tried="a translation holding `${ process.version }` (the server evaluates ${ } as JavaScript)",
    outcome="blocking es_format error saying it would run as JavaScript",
)
def test_an_expression_is_a_blocking_error_saying_it_would_run() -> None:
    finding = _one("Version", "Versión ${ process.version }")
    assert (finding.check, finding.severity) == (CheckId.ES_FORMAT, E)
    assert "would run it as JavaScript" in finding.message


@pytest.mark.parametrize(
    "value",
    ["${}", "${ }", "${ a+b }", "${ require('fs') }", "${ `x` }", "${ a.b }", "${ año }"],
)
def test_anything_but_a_plain_name_inside_is_es_format(value: str) -> None:
    assert (CheckId.ES_FORMAT, E) in _found("Text", value)


def test_an_empty_substitution_is_named_empty() -> None:
    assert "is empty" in _one("Text", "Texto ${}").message


def test_the_sources_own_expression_may_be_kept() -> None:
    assert _found("Total: ${ amount.toFixed(2) }", "Total: ${amount.toFixed(2)}") == []


@pytest.mark.parametrize(
    "value",
    [
        "Precio \\${ amount }",  # escaped: a literal, nothing is evaluated
        "Precio $\\{ amount }",
        "Precio ${ unclosed",
        "Precio ${ it's }",  # the quote never closes: text for the runtime
    ],
)
def test_what_the_runtime_does_not_substitute_is_not_checked_as_a_substitution(
    value: str,
) -> None:
    assert _found("Price", value) == []


def test_a_literal_dollar_before_a_substitution_is_checked_as_one() -> None:
    assert _found("Cost $${ amount }", "Costo $${ amount }") == []
    assert _found("Cost $${ amount }", "Costo $${ monto }") == [
        (CheckId.PLACEHOLDERS, E),
        (CheckId.PLACEHOLDERS, W),
    ]


def test_braces_inside_quotes_and_nested_braces_stay_in_one_substitution() -> None:
    finding, missing = check_value("A ${ x }", "B ${ x + '}' }")
    assert finding.check is CheckId.ES_FORMAT
    assert "`${ x + '}' }`" in finding.message
    assert (missing.check, missing.severity) == (CheckId.PLACEHOLDERS, W)
    assert check_value("A ${ x }", "B ${ {a: x}.a }")[0].check is CheckId.ES_FORMAT


# --- StringLine and line breaks -------------------------------------------------------------


@pytest.mark.hostile(
    area="translations",
    tried="a line break typed into the translation of a label (StringLine: the model throws at "
    "load and the server does not start)",
    outcome="blocking stringline error naming the character",
)
def test_a_line_break_the_key_does_not_have_is_a_stringline_error() -> None:
    finding = _one("Business registration", "Registro de\nempresas")
    assert (finding.check, finding.severity) == (CheckId.STRINGLINE, E)
    assert "a line break (U+000A)" in finding.message
    assert finding.where == ""


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u2028", "a line separator (U+2028)"),
        ("\u2029", "a paragraph separator (U+2029)"),
        ("\r", "a carriage return (U+000D)"),
        ("\v", "a vertical tab (U+000B)"),
        ("\x00", "a control character (null, U+0000)"),
        ("\x1b", "a control character (escape, U+001B)"),
    ],
)
def test_every_stringline_forbidden_character_is_named(char: str, name: str) -> None:
    finding = _one("Label", f"Eti{char}queta")
    assert finding.check is CheckId.STRINGLINE
    assert name in finding.message


@pytest.mark.parametrize(
    "value", ["Eti\tqueta", "Eti\u0085queta", "Eti\u00a0queta", "Etiqueta \U0001f600", "A\x7fB"]
)
def test_what_stringline_accepts_passes(value: str) -> None:
    assert CheckId.STRINGLINE not in [f.check for f in check_value("Label", value)]


def test_a_line_break_the_key_has_is_not_a_stringline_error() -> None:
    assert _found("Dear ${ n },\nthanks", "Estimado ${ n },\ngracias") == []


def test_a_changed_line_break_count_where_the_key_has_breaks_is_a_warning() -> None:
    finding = _one("One\nTwo", "Uno\nDos\nTres")
    assert (finding.check, finding.severity) == (CheckId.NEWLINE_COUNT, W)
    assert "1 line break, the translation 2" in finding.message
    assert _found("One\nTwo", "Uno Dos") == [(CheckId.NEWLINE_COUNT, W)]


def test_a_typed_backslash_n_is_a_warning() -> None:
    assert _found("Line one", "Línea uno\\nLínea dos") == [(CheckId.ESCAPED_NEWLINE, W)]
    assert _found("C:\\new", "C:\\new") == [(CheckId.SAME, INFO)]
    assert _found("Path C:\\new", "Ruta C:\\new") == []


SCAN_MAP = json.dumps(
    {
        "legend": {"Model: Documents": [{"fileName": "/model/documents.js", "line": 12}]},
        "Section title": {"default": [{"fileName": "client/form.js", "line": 3, "column": 9}]},
    }
).encode()


def test_with_a_scan_map_a_model_bound_key_names_file_and_line() -> None:
    scan_map = parse_scan_map(SCAN_MAP)
    (finding,) = check_value("legend", "leyenda\nlarga", scan_map)
    assert finding.check is CheckId.STRINGLINE and finding.blocks
    assert finding.where == "/model/documents.js:12"
    assert "used in the model (/model/documents.js:12)" in finding.message
    (other,) = check_value("Section title", "Título de\nsección", scan_map)
    assert other.where == "" and "used in the model" not in other.message


def test_the_scan_map_reads_usages() -> None:
    scan_map = parse_scan_map(SCAN_MAP)
    assert scan_map.usage("Section title") == (KeyUsage("client/form.js", 3, 9, "default"),)
    assert scan_map.model_bound("legend") and not scan_map.model_bound("Section title")
    assert scan_map.usage("unknown") == () and not scan_map.model_bound("unknown")


@pytest.mark.parametrize(
    "data", [b"[]", b"{", b"\xff", b'{"k": []}', b'{"k": {"c": {}}}', b'{"k": {"c": 3}}']
)
@pytest.mark.hostile(
    area="translations",
    tried="an i18n-scan-map.generated.json that is not JSON, or not {key: {context: [places]}}",
    outcome="refused with the file's name (the review then runs without it, saying so)",
)
def test_a_scan_map_of_another_shape_is_refused(data: bytes) -> None:
    with pytest.raises(TranslationsFileInvalid, match="i18n-scan-map.generated.json"):
        parse_scan_map(data)


def test_scan_map_places_without_a_file_are_left_out() -> None:
    scan_map = parse_scan_map(b'{"k": {"c": [{"line": 2}, "x", {"fileName": "a.js", "line": -1}]}}')
    assert scan_map.usage("k") == (KeyUsage("a.js", 0, 0, "c"),)


# --- links, invisibles, spaces, same ---------------------------------------------------------


def test_a_changed_markdown_link_target_is_an_error() -> None:
    key = "Please [re-submit](/submission/#submit-form) the file"
    finding = _one(key, "Por favor [reenvíe](/envio/) el archivo")
    assert (finding.check, finding.severity) == (CheckId.MD_LINK, E)
    assert "`/submission/#submit-form` is now `/envio/`" in finding.message
    assert _found(key, "Por favor [reenvíe](/submission/#submit-form) el archivo") == []
    assert _one(key, "Por favor reenvíe el archivo").check is CheckId.MD_LINK
    assert _one("Plain", "Ver [aquí](https://example.org)").check is CheckId.MD_LINK


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u200b", "a zero-width space (U+200B)"),
        ("\ufeff", "a byte-order mark (U+FEFF)"),
        ("\u00ad", "a soft hyphen (U+00AD)"),
        ("\u202e", "a bidirectional control (right-to-left override, U+202E)"),
        ("\u2066", "a bidirectional control (left-to-right isolate, U+2066)"),
        ("\u200f", "a bidirectional control (right-to-left mark, U+200F)"),
    ],
)
@pytest.mark.hostile(
    area="translations",
    tried="invisible characters pasted into a translation (zero-width space, BOM, soft hyphen, "
    "bidirectional overrides)",
    outcome="zero-width-space warning naming each character",
)
def test_an_introduced_invisible_character_is_a_warning_naming_it(char: str, name: str) -> None:
    finding = _one("Save the file", f"Guardar el{char} archivo")
    assert (finding.check, finding.severity) == (CheckId.ZERO_WIDTH, W)
    assert name in finding.message


def test_an_invisible_the_key_has_and_an_emoji_joiner_are_not_flagged() -> None:
    assert _found("Co\u00adoperate", "Co\u00adoperar") == []
    assert _found("Family", "Familia \U0001f468\u200d\U0001f469\u200d\U0001f467") == []


def test_spacing_findings_are_info_and_only_where_the_key_differs() -> None:
    assert _found("Save file", "Guardar  archivo") == [(CheckId.DOUBLE_SPACE, INFO)]
    assert _found("Save file", " Guardar archivo") == [(CheckId.BEGIN_SPACE, INFO)]
    assert _found("Save file", "Guardar archivo ") == [(CheckId.END_SPACE, INFO)]
    assert _found("Save  file ", "Guardar  archivo ") == []
    assert _found("Save file", "Guardar archivo") == []


def test_a_translation_equal_to_the_key_is_info() -> None:
    assert _found("OK", "OK") == [(CheckId.SAME, INFO)]
    assert _found("n\0One\0${ n } many", ["One", "${ n } many"]) == [(CheckId.SAME, INFO)]


# --- plurals and value types -----------------------------------------------------------------

PLURAL = "n\0One file for ${ name }\0${ n } files for ${ name }"


def test_each_plural_item_is_checked_against_its_own_source() -> None:
    assert _found(PLURAL, ["Un archivo de ${ name }", "${ n } archivos de ${ name }"]) == []
    found = check_value(PLURAL, ["Un archivo de ${ nombre }", "${ n } archivos de ${ name }"])
    assert [(f.check, f.severity, f.item) for f in found] == [
        (CheckId.PLACEHOLDERS, E, 0),
        (CheckId.PLACEHOLDERS, W, 0),
    ]
    assert found[0].message.startswith("The singular: `${ nombre }` is not in the source")


def test_n_is_always_allowed_in_a_plural_and_never_required() -> None:
    assert _found("n\0One file\0${ n } files", ["${ n } archivo", "archivos"]) == []
    assert _found("n\0One file\0Many files", ["${ n } archivo", "${ n } archivos"]) == []
    assert _found("${ n } files", "${ n } archivos ${ m }") == [(CheckId.PLACEHOLDERS, E)]


def test_a_line_break_in_a_plural_item_names_the_item() -> None:
    (finding,) = check_value("n\0One file\0Files", ["Un\narchivo", "Archivos"])
    assert finding.check is CheckId.STRINGLINE and finding.item == 0


@pytest.mark.parametrize(
    "value",
    ["Archivos", ["Un archivo"], ["a", "b", "c"], ["Un archivo", ""], ["Un", 2], {"a": "b"}, None],
)
@pytest.mark.hostile(
    area="translations",
    tried="a plural key translated by a text, a list of 1 or 3, an empty item, a number, "
    "an object, null",
    outcome="blocking value-type error: a plural needs [singular, plural] of non-empty texts",
)
def test_a_plural_without_two_nonempty_texts_is_a_value_type_error(value: object) -> None:
    finding = _one("n\0One file\0${ n } files", value)  # type: ignore[arg-type]
    assert (finding.check, finding.severity) == (CheckId.VALUE_TYPE, E)
    assert "One file | ${ n } files" in finding.message


@pytest.mark.parametrize("value", [["a", "b"], 3, True, None, {"k": "v"}])
@pytest.mark.hostile(
    area="translations",
    tried="a plain key translated by a list, number, boolean, null or object",
    outcome="blocking value-type error naming what it is",
)
def test_a_plain_key_with_a_value_that_is_not_a_text_is_a_value_type_error(value: object) -> None:
    finding = _one("Save", value)  # type: ignore[arg-type]
    assert (finding.check, finding.severity) == (CheckId.VALUE_TYPE, E)
    assert finding.message.startswith("A translation must be a text, not ")


# --- changes, layout, the review -------------------------------------------------------------


def test_check_changes_checks_added_and_changed_and_never_removed_pairs() -> None:
    changes = [
        Change("A ${ x }", ChangeStatus.ADDED, None, "B ${ y }"),
        Change("Label", ChangeStatus.CHANGED, "Etiqueta", "Eti\nqueta"),
        Change("Gone ${ x }", ChangeStatus.REMOVED, "Ido ${ y }", None),
        Change("Fine", ChangeStatus.CHANGED, "Bien", "Muy bien"),
    ]
    found = check_changes(changes)
    assert [(f.key, f.check) for f in found] == [
        ("A ${ x }", CheckId.PLACEHOLDERS),
        ("A ${ x }", CheckId.PLACEHOLDERS),
        ("Label", CheckId.STRINGLINE),
    ]


def test_layout_is_quiet_for_the_panels_bytes_and_warns_otherwise() -> None:
    messages = {"b": "B", "a": "A"}
    exact = serialize_messages(messages)
    assert exact == b'{\n  "a": "A",\n  "b": "B"\n}\n'
    assert check_layout(exact, parse_messages(exact)) is None
    for other, words in [
        (b'{\n  "b": "B",\n  "a": "A"\n}\n', "line 2"),
        (b'{\n    "a": "A",\n    "b": "B"\n}\n', "line 2"),
        (b'{\n  "a": "A",\n  "b": "B"\n}', "its end differs"),
        (b'{\r\n  "a": "A",\r\n  "b": "B"\r\n}\r\n', "CR LF"),
        (b'\xef\xbb\xbf{\n  "a": "A",\n  "b": "B"\n}\n', "byte-order mark"),
        (b'{"a":"A","b":"B"}\n', "line 1"),
    ]:
        finding = check_layout(other, parse_messages(other))
        assert finding is not None, other
        assert (finding.key, finding.check, finding.severity) == (None, CheckId.LAYOUT, W)
        assert words in finding.message, (other, finding.message)


OLD = serialize_messages({"Save": "Guardar", "Open": "Abrir", "Gone": "Ido", "Label": "Etiqueta"})
NEW = serialize_messages(
    {"Save": "Salvar", "Open": "Abrir", "Label": "Eti\nqueta", "Hi ${ name }": "Hola ${ nombre }"}
)


def test_build_review_holds_changes_in_panel_order_and_findings() -> None:
    review = build_review("app1", OLD, NEW)
    assert [(c.key, c.status) for c in review.changes] == [
        ("Gone", ChangeStatus.REMOVED),
        ("Hi ${ name }", ChangeStatus.ADDED),
        ("Label", ChangeStatus.CHANGED),
        ("Save", ChangeStatus.CHANGED),
    ]
    assert [(f.key, f.check, f.severity) for f in review.findings] == [
        ("Hi ${ name }", CheckId.PLACEHOLDERS, E),
        ("Hi ${ name }", CheckId.PLACEHOLDERS, W),
        ("Label", CheckId.STRINGLINE, E),
    ]
    assert review.blocked and review.count(E) == 2 and review.count(W) == 1
    assert review.app == "app1" and review.old_bytes == OLD and review.new_bytes == NEW
    assert review.reviewed_blobs == {"i18n-messages.json": _git_blob(NEW)}
    assert not review.has_scan_map and review.usage == {}


def _git_blob(data: bytes) -> str:
    import hashlib

    return hashlib.sha1(b"blob " + str(len(data)).encode() + b"\0" + data).hexdigest()


def test_build_review_with_a_scan_map_and_the_servers_blobs() -> None:
    scan_map = json.dumps(
        {"Label": {"Model": [{"fileName": "model/costs.js", "line": 7, "column": 2}]}}
    ).encode()
    blobs: dict[str, str | None] = {"i18n-messages.json": "abc", "data/x.json": None}
    review = build_review("app1", OLD, NEW, scan_map_bytes=scan_map, reviewed_blobs=blobs)
    assert review.has_scan_map and review.reviewed_blobs == blobs
    assert review.usage == {"Label": (KeyUsage("model/costs.js", 7, 2, "Model"),)}
    (stringline,) = [f for f in review.findings if f.check is CheckId.STRINGLINE]
    assert stringline.where == "model/costs.js:7"


def test_build_review_runs_without_a_scan_map_it_cannot_read_and_says_so() -> None:
    review = build_review("app1", OLD, NEW, scan_map_bytes=b"not json")
    assert not review.has_scan_map
    assert (review.findings[0].key, review.findings[0].severity) == (None, INFO)
    assert "i18n-scan-map.generated.json" in review.findings[0].message


def test_build_review_of_a_first_file_and_of_a_layout_problem() -> None:
    review = build_review("app1", None, b'{"Save": "Guardar"}')
    assert [(c.key, c.status) for c in review.changes] == [("Save", ChangeStatus.ADDED)]
    assert [f.check for f in review.findings] == [CheckId.LAYOUT]


@pytest.mark.hostile(
    area="translations",
    tried="a working-tree i18n-messages.json that is not valid JSON (a half-written file)",
    outcome="the review is refused with the file, line and column; nothing is submitted",
)
def test_build_review_refuses_an_invalid_file_naming_which() -> None:
    with pytest.raises(TranslationsFileInvalid, match=r"^i18n-messages\.json, line 1"):
        build_review("app1", OLD, b'{"a": ')
    with pytest.raises(TranslationsFileInvalid, match=r"^i18n-messages\.json \(committed\)"):
        build_review("app1", b"[", NEW)


def test_apply_edits_writes_the_panels_layout_with_the_edits() -> None:
    review = build_review("app1", OLD, NEW)
    edited = apply_edits(
        review,
        {"Label": "Etiqueta nueva", "Hi ${ name }": "", "Gone": "Ido otra vez"},
    )
    assert edited == (
        b'{\n  "Gone": "Ido otra vez",\n  "Label": "Etiqueta nueva",\n  "Open": "Abrir",\n'
        b'  "Save": "Salvar"\n}\n'
    )
    assert apply_edits(review, {}) == NEW
    rechecked = build_review("app1", OLD, edited)
    assert not rechecked.blocked


def test_apply_edits_of_a_plural_and_removing_everything() -> None:
    review = build_review("app1", OLD, NEW)
    everything_gone = {k: "" for k in parse_messages(NEW)}
    assert apply_edits(review, everything_gone) == b"{\n  \n}\n"
    plural = apply_edits(review, {"n\0One\0${ n } many": ["Uno", "${ n } muchos"]})
    assert b'"n\\u0000One\\u0000${ n } many": ["Uno","${ n } muchos"]' in plural


def test_the_benchmark_corpus_is_realistic_and_its_problems_are_found() -> None:
    from i18n_corpus import corpus

    old, new = corpus(keys=600, changed=200, seed=3)
    assert corpus(keys=600, changed=200, seed=3) == (old, new)  # repeatable
    assert serialize_messages(parse_messages(old)) == old
    review = build_review("app1", old, new)
    statuses = [c.status for c in review.changes]
    assert len(statuses) == 200
    assert statuses.count(ChangeStatus.REMOVED) == 30
    assert statuses.count(ChangeStatus.ADDED) == 50
    assert not any(f.check is CheckId.LAYOUT for f in review.findings)
    checks = {f.check for f in review.findings}
    assert {CheckId.PLACEHOLDERS, CheckId.STRINGLINE} <= checks
    assert 0 < len(review.findings) < 100
