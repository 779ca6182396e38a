"""The translation viewer's presenter: rows, filter, counts, navigation, segments, edits, verdict.

Reviews are built the real way (``build_review`` over files in the panel's layout), so the rows
and findings are what the update shows."""

from __future__ import annotations

import json

import pytest

from ereg_desktop.presenters.deploy_questions import REVIEW, STOP, prompt_for
from ereg_desktop.presenters.translation_layout import lay_out
from ereg_desktop.presenters.translation_review import (
    Column,
    TranslationReviewState,
    count_text,
    finding_text,
    review_summary,
)
from ereg_desktop.presenters.translation_segments import (
    ChipKind,
    Mark,
    Segment,
    Side,
    display_segments,
    key_segments,
    plain_text,
    value_segments,
    with_glyphs,
)
from ereg_desktop.services.deploy.decisions import ReviewTranslations, ReviewVerdict
from ereg_desktop.services.i18n.changes import ChangeStatus
from ereg_desktop.services.i18n.findings import CheckId, Finding, Severity
from ereg_desktop.services.i18n.messages_file import serialize_messages
from ereg_desktop.services.i18n.review import DataFileDiff, TranslationReview, build_review
from ereg_desktop.services.i18n.word_diff import Op

PLURAL = "n\0One document\0${ n } documents"


def review_of(old: dict, new: dict, *, scan_map: dict | None = None,
              data_diffs: tuple[DataFileDiff, ...] = ()) -> TranslationReview:  # fmt: skip
    scan = json.dumps(scan_map).encode() if scan_map is not None else None
    return build_review(
        "gt", serialize_messages(old), serialize_messages(new), data_diffs=data_diffs,
        scan_map_bytes=scan,
    )  # fmt: skip


@pytest.fixture
def state() -> TranslationReviewState:
    old = {
        "Business registration": "Registro de empresas",
        "Hello ${ fullName }": "Hola ${ fullName }",
        "Submit": "Enviar",
        PLURAL: ["Un documento", "${ n } documentos"],
    }
    new = {
        "Business registration": "Registro\nde empresas",  # a line break: error
        "Hello ${ fullName }": "Hola ${ primerNombre }",  # unknown (error) + missing (warning)
        "Cancel": "Cancelar  ahora",  # added, a double space: note
        PLURAL: ["Un documento", "${ n } documentos nuevos"],  # changed, clean
    }
    scan = {"Business registration": {"Model": [{"fileName": "model/business.js", "line": 12}]}}
    return TranslationReviewState(review_of(old, new, scan_map=scan))


def row(state: TranslationReviewState, key: str) -> int:
    found = state.row_of(key)
    assert found is not None, key
    return found


def test_one_row_per_change_with_its_status_key_values_and_findings(state) -> None:
    statuses = {r.change.key: r.status for r in state.rows}
    assert statuses == {
        "Business registration": ChangeStatus.CHANGED,
        "Cancel": ChangeStatus.ADDED,
        "Hello ${ fullName }": ChangeStatus.CHANGED,
        PLURAL: ChangeStatus.CHANGED,
        "Submit": ChangeStatus.REMOVED,
    }
    plural = state.rows[row(state, PLURAL)]
    assert plural.key == "One document | ${ n } documents"
    business = row(state, "Business registration")
    assert state.worst(business) is Severity.ERROR
    assert [f.check for f in state.findings(business)] == [CheckId.STRINGLINE]
    assert state.rows[business].where == "model/business.js:12"
    hello = row(state, "Hello ${ fullName }")
    assert {(f.check, f.severity) for f in state.findings(hello)} == {
        (CheckId.PLACEHOLDERS, Severity.ERROR),
        (CheckId.PLACEHOLDERS, Severity.WARNING),
    }
    assert state.worst(row(state, "Cancel")) is Severity.INFO
    assert state.findings(row(state, PLURAL)) == () and state.worst(row(state, PLURAL)) is None
    assert state.text(row(state, "Submit"), Column.STATUS) == "removed"


def test_counts_per_severity_as_a_header_line(state) -> None:
    assert state.counts() == {Severity.ERROR: 2, Severity.WARNING: 1, Severity.INFO: 1}
    assert state.counts_text() == "2 errors · 1 warning · 1 note"
    assert count_text({Severity.WARNING: 5, Severity.INFO: 2}) == "5 warnings · 2 notes"
    assert count_text({}) == "No problems found"


def test_problems_only_and_the_text_filter(state) -> None:
    keys = lambda: [state.rows[i].change.key for i in state.visible]  # noqa: E731
    state.set_filter(problems_only=True)
    assert keys() == ["Business registration", "Cancel", "Hello ${ fullName }"]
    state.set_filter("DOCUMENTOS")  # any case, in the values too
    assert keys() == [PLURAL]
    state.set_filter("hola", problems_only=True)
    assert keys() == ["Hello ${ fullName }"]
    state.set_filter("nothing like this")
    assert keys() == []
    state.set_filter("")
    assert len(keys()) == 5


def test_next_and_previous_problem_wrap_and_skip_rows_without_one(state) -> None:
    business, cancel = row(state, "Business registration"), row(state, "Cancel")
    hello, plural = row(state, "Hello ${ fullName }"), row(state, PLURAL)
    assert state.next_problem(None) == business
    assert state.next_problem(business) == cancel
    assert state.next_problem(hello) == business  # wraps; the plural and "Submit" are clean
    assert state.next_problem(plural) == business
    assert state.next_problem(None, backwards=True) == hello
    assert state.next_problem(business, backwards=True) == hello
    state.set_filter("cancel")
    assert state.next_problem(business) == cancel  # a filtered-out row starts from the top
    state.set_filter("documento")
    assert state.next_problem(None) is None


def test_word_diff_deleted_in_old_and_inserted_in_new() -> None:
    old = value_segments("Pague la tasa hoy", other="Pague la cuota hoy", side=Side.OLD)
    new = value_segments("Pague la cuota hoy", other="Pague la tasa hoy", side=Side.NEW)
    assert [(s.op, s.text) for s in old] == [
        (Op.EQUAL, "Pague la "), (Op.DELETE, "tasa"), (Op.EQUAL, " hoy"),
    ]  # fmt: skip
    assert [(s.op, s.text) for s in new] == [
        (Op.EQUAL, "Pague la "), (Op.INSERT, "cuota"), (Op.EQUAL, " hoy"),
    ]  # fmt: skip
    assert new[1].tip == "inserted" and old[1].tip == "deleted"


def test_chips_matched_unknown_and_missing() -> None:
    key = "Dear ${ fullName }, your ${ entityTitle } is ready"
    segments = value_segments("Estimado ${fullName}, ${ primerNombre } ${ process.version }",
                              key=key)  # fmt: skip
    chips = [(s.text, s.chip) for s in segments if s.mark is Mark.CHIP]
    assert chips == [
        ("${fullName}", ChipKind.MATCHED),
        ("${ primerNombre }", ChipKind.UNKNOWN),
        ("${ process.version }", ChipKind.UNKNOWN),
        ("${ entityTitle }", ChipKind.MISSING),  # after the value
    ]
    tips = [s.tip for s in segments if s.mark is Mark.CHIP]
    assert "in the key too" in tips[0] and "not in the key" in tips[1]
    assert "JavaScript" in tips[2] and "missing" in tips[3]
    # the old side is what was: no missing chips are added there
    old = value_segments("Estimado", key=key, side=Side.OLD)
    assert not [s for s in old if s.mark is Mark.CHIP]
    # a second ${ fullName } the key has once is extra: unknown
    twice = value_segments("${ fullName } ${ fullName }", key="Hi ${ fullName }")
    assert [s.chip for s in twice if s.mark is Mark.CHIP] == [ChipKind.MATCHED, ChipKind.UNKNOWN]


def test_a_plural_shows_both_items_labelled_and_n_is_always_there() -> None:
    segments = display_segments(["Un documento", "${ n } documentos"], key=PLURAL)
    labels = [s.text for s in segments if s.mark is Mark.LABEL and s.text]
    assert labels == ["singular: ", "plural: "]
    assert [s.chip for s in segments if s.mark is Mark.CHIP] == [ChipKind.MATCHED]
    assert plain_text(segments).startswith("singular: Un documento")
    assert plain_text(key_segments(PLURAL)) == "One document | ${ n } documents"
    wrong = display_segments(7, key="Total")  # a value of the wrong type: its JSON
    assert plain_text(wrong) == "7" and wrong[0].tip == "not a translation text"


def test_invisibles_are_drawn_as_glyphs_named_in_their_tooltips() -> None:
    segments = value_segments("Línea\nuno\tdos\u00a0tres\u200bfin  ")
    invisibles = [(s.text, s.tip, s.breaks) for s in segments if s.mark is Mark.INVISIBLE]
    assert invisibles[0] == ("↵", "LINE FEED (U+000A)", True)
    assert invisibles[1][:2] == ("⇥", "CHARACTER TABULATION (U+0009)")
    assert invisibles[2][:2] == ("⍽", "NO-BREAK SPACE (U+00A0)")
    assert invisibles[3][:2] == ("[U+200B]", "ZERO WIDTH SPACE (U+200B)")
    assert [t for t, _tip, _b in invisibles[4:]] == ["·", "·"]  # trailing spaces shown
    assert "end of a line" in invisibles[4][1]
    assert [b for _t, _tip, b in invisibles] == [True, False, False, False, False, False]


def test_segments_are_computed_once_per_cell(state) -> None:
    business = row(state, "Business registration")
    first = state.segments(business, Column.NEW)
    assert state.segments(business, Column.NEW) is first
    assert any(s.op is Op.INSERT for s in first)  # the line break was inserted


def test_the_text_of_a_finding_to_copy(state) -> None:
    business = row(state, "Business registration")
    text = state.finding_text(state.findings(business)[0])
    assert text.startswith("Error [stringline]: Business registration: ")
    assert "model/business.js:12" in text
    plural = Finding(PLURAL, CheckId.PLACEHOLDERS, Severity.WARNING, "Gone", item=1)
    assert finding_text(plural, "One | many") == "Warning [placeholders]: One | many (plural): Gone"


def test_an_edit_is_rechecked_and_approving_waits_for_it(state) -> None:
    business = row(state, "Business registration")
    assert not state.can_approve(acknowledged=True)
    assert "2 errors block" in state.approve_problem(True)
    assert state.editable(business) and not state.editable(row(state, "Submit"))
    assert state.edit(business, "Registro de empresas nuevo")
    assert state.pending == {"Business registration"}
    assert state.approve_problem(True) == "Checking the edited value…"
    findings = state.recheck("Business registration", "Registro de empresas nuevo")()
    assert findings == []
    # an older check coming back late is dropped
    state.edit(business, "Registro\nmal")
    assert not state.rechecked("Business registration", "Registro de empresas nuevo", [])
    assert state.pending == {"Business registration"}
    assert state.edit(business, "Registro de empresas nuevo")
    assert state.rechecked("Business registration", "Registro de empresas nuevo", findings)
    assert state.findings(business) == () and state.worst(business) is None
    assert state.counts_text() == "1 error · 1 warning · 1 note"
    assert any(
        s.op is Op.INSERT and "nuevo" in s.text for s in state.segments(business, Column.NEW)
    )
    assert state.text(business, Column.STATUS) == "changed, edited"


def test_errors_block_warnings_need_the_acknowledgement(state) -> None:
    hello = row(state, "Hello ${ fullName }")
    business = row(state, "Business registration")
    state.edit(business, "")  # removed: English is shown again, nothing to check
    assert state.pending == set() and state.findings(business) == ()
    state.edit(hello, "Hola ${ fullName }, ${ fullName }")
    state.rechecked(hello_key := "Hello ${ fullName }", state.edits[hello_key],
                    state.recheck(hello_key, state.edits[hello_key])())  # fmt: skip
    assert state.errors_left == 1  # the extra ${ fullName }
    state.edit(hello, "Hola")
    state.rechecked(hello_key, "Hola", state.recheck(hello_key, "Hola")())
    assert state.errors_left == 0 and state.warnings_left == 1  # fullName missing
    assert not state.can_approve(acknowledged=False)
    assert "1 warning needs your acknowledgement" in state.approve_problem(False)
    with pytest.raises(ValueError, match="acknowledgement"):
        state.verdict(acknowledged=False)
    verdict = state.verdict(acknowledged=True)
    assert verdict == ReviewVerdict(
        approved=True,
        edits={"Business registration": "", "Hello ${ fullName }": "Hola"},
        acknowledged_warnings=True,
    )


def test_an_edit_back_to_the_files_value_is_no_edit(state) -> None:
    business = row(state, "Business registration")
    state.edit(business, "x")
    assert not state.edit(business, "Registro\nde empresas")
    assert state.edits == {} and state.pending == set()
    assert state.worst(business) is Severity.ERROR


def test_the_raw_json_lines_of_a_row(state) -> None:
    hello = row(state, "Hello ${ fullName }")
    assert state.raw_lines(hello) == (None, None)  # not read yet
    state.json_lines = state.json_lines_job()()
    new, old = state.raw_lines(hello)
    assert new is not None and old is not None
    assert new[1].strip().rstrip(",") == '"Hello ${ fullName }": "Hola ${ primerNombre }"'
    assert old[1].strip().rstrip(",") == '"Hello ${ fullName }": "Hola ${ fullName }"'
    assert state.raw_lines(row(state, "Cancel"))[1] is None  # added: not in the old file


def test_the_update_asks_with_a_summary_and_a_review_button(state) -> None:
    diffs = (DataFileDiff("data/fees.json", "modified", unified="-1\n+2\n"),)
    review = review_of({"A": "a"}, {"A": "b\n", "B": "c"}, data_diffs=diffs)
    assert review_summary(review) == "2 translation changes, 1 data file: 1 error, 0 warnings"
    prompt = prompt_for(ReviewTranslations("review", "Review the translations", "Check them",
                                           review=review, again=True))  # fmt: skip
    assert prompt.review is review and prompt.again
    assert prompt.items == ("2 translation changes, 1 data file: 1 error, 0 warnings",)
    assert "changed on the server after your review" in prompt.text
    review_choice, stop = prompt.choices
    assert review_choice.label == REVIEW and review_choice.opens_review
    assert stop.label == STOP and stop.value == ReviewVerdict(approved=False)


def _measure(text: str, _segment: Segment) -> float:
    return 10.0 * len(text)


def test_the_layout_wraps_at_spaces_and_breaks_after_a_line_break() -> None:
    segments = value_segments("aaa bbb ccc\nddd")
    layout = lay_out(segments, 75, _measure, gap=0)
    lines = {}
    for p in layout.placed:
        lines.setdefault(p.line, "")
        lines[p.line] += p.text if segments[p.segment].mark is not Mark.INVISIBLE else "↵"
    assert lines == {0: "aaa bbb ", 1: "ccc↵", 2: "ddd"}
    assert layout.lines == 3 and not layout.clipped
    placed = layout.at(45, 0)
    assert placed is not None and placed.text == "aaa bbb "  # one piece per segment and line
    assert layout.at(500, 0) is None
    clipped = lay_out(segments, 75, _measure, max_lines=2)
    assert clipped.clipped and clipped.lines == 2
    long = lay_out(value_segments("x" * 30), 100, _measure)
    assert long.lines == 3 and all(p.width <= 100 for p in long.placed)


def test_a_review_starts_at_its_worst_problem_and_warms_the_first_screen(state) -> None:
    assert state.first_problem() == row(state, "Business registration")  # an error, first
    state.set_filter("cancel")
    assert state.first_problem() == row(state, "Cancel")  # only a note is left in view
    state.set_filter("")
    state.warm(first_rows=2)
    assert {(0, c) for c in (Column.KEY, Column.OLD, Column.NEW)} <= set(state._segments)
    assert (4, Column.NEW) not in state._segments  # the rest waits for its first paint


def test_text_from_the_files_shown_outside_a_cell_has_glyphs() -> None:
    assert with_glyphs("a\u202eb\x1bc\u2028d ") == "a[U+202E]b[U+001B]c↵d·"
    assert with_glyphs("plain text") == "plain text"


def test_a_model_load_error_does_not_hold_a_fix_the_update_checks_again() -> None:
    import dataclasses

    old = {"Business registration": "Registro de empresas"}
    new = {"Business registration": "Registro\nde empresas"}
    review = review_of(old, new)
    model = Finding(None, CheckId.MODEL_LOAD, Severity.ERROR, "doesn't match pattern")
    state = TranslationReviewState(dataclasses.replace(review, findings=(*review.findings, model)))
    assert state.errors_left == 2  # the line break, and the model that did not load
    business = row(state, "Business registration")
    state.edit(business, "Registro de empresas, nuevo")
    state.rechecked("Business registration", "Registro de empresas, nuevo",
                    state.recheck("Business registration", "Registro de empresas, nuevo")())  # fmt: skip
    # the update runs the model-load check again on the fixed file before anything stops
    assert state.errors_left == 0 and state.can_approve(acknowledged=True)
