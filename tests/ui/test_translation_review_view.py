"""The review widget: counts, filter, problems only, F8 / Shift+F8, the details pane (findings,
usage, the raw JSON line, copying a finding) and the tooltips of chips and invisibles."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QGuiApplication, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip
from review_fixtures import small_review

from ereg_desktop.presenters.translation_review import Column, TranslationReviewState
from ereg_desktop.presenters.translation_segments import Mark
from ereg_desktop.ui.translations.review_view import TranslationReviewWidget


def widget(qtbot, review=None) -> TranslationReviewWidget:
    w = TranslationReviewWidget(TranslationReviewState(review or small_review()))
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


def current_key(w: TranslationReviewWidget) -> str | None:
    row = w.current_row()
    return None if row is None else w.state.rows[row].change.key


def test_the_counts_are_a_header_line(qtbot) -> None:
    w = widget(qtbot)
    text = w.counts.text()
    assert "5 translation changes" in text
    assert "1 error" in text and "2 notes" in text and "warning" not in text


def test_f8_and_shift_f8_go_to_the_next_and_previous_problem(qtbot) -> None:
    w = widget(qtbot)
    w.table.setFocus()
    assert w.next_button.text() == "Next problem (F8) ▶"
    assert "Shift+F8" in w.previous_button.text()
    w.select_row(w.state.row_of("Cancel"))  # a clean row between the two problems
    qtbot.keyClick(w.table, Qt.Key.Key_F8)
    assert current_key(w) == "Hello ${ fullName }"
    qtbot.keyClick(w.table, Qt.Key.Key_F8)  # wraps around
    assert current_key(w) == "Business registration"
    qtbot.keyClick(w.table, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    assert current_key(w) == "Hello ${ fullName }"
    w.previous_button.click()
    assert current_key(w) == "Business registration"
    assert "line break" in w.details.findings.item(0).text()


def test_problems_only_and_the_filter_box(qtbot) -> None:
    w = widget(qtbot)
    assert w.model.rowCount() == 5
    w.problems_only.setChecked(True)
    assert w.model.rowCount() == 2
    qtbot.keyClicks(w.filter, "hola")
    qtbot.waitUntil(lambda: w.model.rowCount() == 1)  # after the debounce
    assert w.model.index(0, Column.KEY).data() == "Hello ${ fullName }"
    w.problems_only.setChecked(False)
    w.filter.clear()
    qtbot.waitUntil(lambda: w.model.rowCount() == 5)


def test_the_details_name_where_the_key_is_used_and_show_the_raw_json_line(qtbot) -> None:
    w = widget(qtbot)
    w.go_to_first_problem()
    assert current_key(w) == "Business registration"
    details = w.details
    assert details.usage.text() == "Used in: model/business.js:12"
    assert not details.raw.isVisible()
    details.json_button.click()
    qtbot.waitUntil(lambda: "new file, line" in details.raw.toPlainText())
    raw = details.raw.toPlainText()
    assert '"Business registration": "Registro\\nde empresas",' in raw
    assert '"Business registration": "Registro de empresas",' in raw  # the old file's line
    assert details.json_button.text() == "Hide the JSON line"
    w.select_row(w.state.row_of("Cancel"))
    assert "old file" not in details.raw.toPlainText()  # added: only in the new file
    assert details.usage.text() == "Not found in the server's scan map"


def test_ctrl_c_on_a_finding_copies_its_text(qtbot) -> None:
    w = widget(qtbot)
    w.go_to_first_problem()
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    w.details.findings.setFocus()
    qtbot.keyClick(w.details.findings, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = clipboard.text()
    assert copied.startswith("Error [stringline]: Business registration: The translation has")
    assert copied.endswith("Used in: model/business.js:12")
    clipboard.clear()
    w.details.copy_button.click()
    assert clipboard.text() == copied


def _tip_over(w: TranslationReviewWidget, key: str, column: Column, mark: Mark) -> str:
    """Hover the first piece marked ``mark`` in a cell: the tooltip shown."""
    row = w.state.row_of(key)
    assert row is not None and w.select_row(row)
    index = w.model.index(w.model.model_row(row), column)
    rect = w.table.visualRect(index)
    segments, layout = w.delegate.layout(index, rect.width(), w.delegate.fonts(w.table.font()))
    placed = next(p for p in layout.placed if segments[p.segment].mark is mark)
    from ereg_desktop.ui.translations.review_delegate import MARGIN

    line_height = w.delegate.fonts(w.table.font()).line_height
    point = QPoint(int(rect.left() + MARGIN + placed.x + placed.width / 2),
                   int(rect.top() + MARGIN + placed.line * line_height + line_height / 2))  # fmt: skip
    viewport = w.table.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point))
    QApplication.sendEvent(viewport, event)
    return QToolTip.text()


def test_the_tooltip_names_the_invisible_or_the_chip_under_the_mouse(qtbot) -> None:
    w = widget(qtbot)
    tip = _tip_over(w, "Business registration", Column.NEW, Mark.INVISIBLE)
    assert tip == "LINE FEED (U+000A), inserted"
    tip = _tip_over(w, "Hello ${ fullName }", Column.NEW, Mark.CHIP)
    assert tip == "${ fullName } is in the key too"
    tip = _tip_over(w, "Hello ${ fullName }", Column.NEW, Mark.INVISIBLE)
    assert tip.startswith("SPACE at the end of a line")
    QToolTip.hideText()
