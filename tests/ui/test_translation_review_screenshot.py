"""A review holding every kind of problem the viewer shows, as an operator sees it.

``EREG_SCREENSHOTS=docs/screenshots`` writes ``docs/screenshots/translation-review.png``."""

from __future__ import annotations

from review_fixtures import every_problem_review

from ereg_desktop.presenters.translation_review import Column
from ereg_desktop.presenters.translation_segments import ChipKind, Mark
from ereg_desktop.services.i18n.changes import ChangeStatus
from ereg_desktop.services.i18n.findings import CheckId
from ereg_desktop.ui.translations.review_dialog import TranslationReviewDialog

# the checks about one value (json and layout are about a whole file, model-load comes from the
# server; the fixture adds a model-load finding, shown above the table)
VALUE_CHECKS = set(CheckId) - {CheckId.JSON, CheckId.LAYOUT, CheckId.MODEL_LOAD}


def test_every_kind_of_problem_at_a_glance(qtbot, screenshot) -> None:
    review = every_problem_review()
    assert {f.check for f in review.findings} >= VALUE_CHECKS
    assert {c.status for c in review.changes} == set(ChangeStatus)
    assert any(isinstance(c.new, list) for c in review.changes)  # a plural
    assert {d.binary for d in review.data_diffs} == {True, False}

    d = TranslationReviewDialog(review)
    qtbot.addWidget(d)
    d.resize(1400, 1050)
    d.show()
    qtbot.waitExposed(d)
    w = d.review_widget
    assert w is not None
    qtbot.waitUntil(lambda: w.current_row() is not None)  # at the first error, its details shown
    state = w.state
    chips, glyphs = set(), set()
    for row in range(len(state.rows)):
        for column in (Column.OLD, Column.NEW):
            for s in state.segments(row, column):
                if s.mark is Mark.CHIP:
                    chips.add(s.chip)
                if s.mark is Mark.INVISIBLE:
                    glyphs.add(s.text)
    assert chips == set(ChipKind)
    assert {"↵", "⇥", "⍽", "[U+200B]", "·"} <= glyphs
    assert "errors" in w.counts.text() and "warnings" in w.counts.text()
    assert "did not load" in w.file_findings.text()
    assert not d.approve_button.isEnabled() and "errors block the update" in d.problem.text()
    # every row is on screen, none clipped ("… more below" only past eight lines)
    last = w.model.index(w.model.rowCount() - 1, Column.KEY)
    qtbot.waitUntil(lambda: w.table.visualRect(last).bottom() < w.table.viewport().height())
    path = screenshot(d, "translation-review")
    assert path.endswith("translation-review.png")
