"""The review's table model: its rows, roles and filter, checked by pytest-qt's model tester."""

from __future__ import annotations

from PySide6.QtCore import Qt
from review_fixtures import every_problem_review, small_review

from ereg_desktop.presenters.translation_review import Column, TranslationReviewState
from ereg_desktop.presenters.translation_segments import ChipKind, Mark
from ereg_desktop.services.i18n.findings import CheckId, Severity
from ereg_desktop.ui.translations.review_model import (
    FINDINGS_ROLE,
    ROW_ROLE,
    SEGMENTS_ROLE,
    SEVERITY_ROLE,
    TranslationReviewModel,
)


def model_of(review) -> TranslationReviewModel:
    return TranslationReviewModel(TranslationReviewState(review))


def keys(model: TranslationReviewModel) -> list[str]:
    return [model.index(r, Column.KEY).data() for r in range(model.rowCount())]


def test_the_model_passes_the_model_tester_filtered_or_not(qapp, qtmodeltester) -> None:
    model = model_of(every_problem_review())
    qtmodeltester.check(model)
    model.set_filter("", problems_only=True)
    qtmodeltester.check(model)
    model.set_filter("zzz-nothing", problems_only=False)
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_rows_columns_and_roles(qtbot) -> None:
    model = model_of(small_review())
    assert model.columnCount() == 4
    headers = [model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
               for c in range(4)]  # fmt: skip
    assert headers == ["Status", "Key (English)", "Old translation", "New translation"]
    assert keys(model) == ["Business registration", "Cancel", "Hello ${ fullName }", "Submit",
                           "Total"]  # fmt: skip
    business = model.index(0, Column.STATUS)
    assert business.data() == "changed"
    assert business.data(SEVERITY_ROLE) == Severity.ERROR
    assert [f.check for f in business.data(FINDINGS_ROLE)] == [CheckId.STRINGLINE]
    assert "line break" in business.data(Qt.ItemDataRole.ToolTipRole)
    assert business.data(ROW_ROLE) == 0
    new = model.index(0, Column.NEW)
    assert new.data() == "Registro↵ de empresas"  # the display text shows the glyph
    segments = new.data(SEGMENTS_ROLE)
    assert any(s.mark is Mark.INVISIBLE and s.text == "↵" for s in segments)
    hello = model.index(2, Column.KEY).data(SEGMENTS_ROLE)
    assert [s.chip for s in hello if s.mark is Mark.CHIP] == [ChipKind.MATCHED]
    assert model.index(3, Column.STATUS).data() == "removed"
    assert model.index(3, Column.NEW).data() == ""
    assert model.index(1, Column.STATUS).data(SEVERITY_ROLE) is None  # clean


def test_the_filter_resets_the_rows(qtbot) -> None:
    model = model_of(small_review())
    with qtbot.waitSignal(model.modelReset):
        model.set_filter("", problems_only=True)
    assert keys(model) == ["Business registration", "Hello ${ fullName }"]
    model.set_filter("suma", problems_only=False)  # a value's text, any case
    assert keys(model) == ["Total"]
    assert model.model_row(0) is None and model.model_row(4) == 0
