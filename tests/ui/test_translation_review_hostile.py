"""Hostile translations in the viewer: characters that rewrite what is shown (bidirectional
overrides, terminal escapes, NUL, lone surrogates, line separators), markup, a huge value."""

from __future__ import annotations

import unicodedata

import pytest
from PySide6.QtGui import QGuiApplication
from review_fixtures import review_of

from ereg_desktop.presenters.translation_review import Column, TranslationReviewState
from ereg_desktop.ui.translations.review_delegate import MARGIN, MAX_LINES
from ereg_desktop.ui.translations.review_view import TranslationReviewWidget

HIDDEN = ("Cc", "Cf", "Cs", "Zl", "Zp")
NASTY = "Pague\u202e aquí\x1b]0;owned\x07\x00 \ud800 fin\u2028y ${ process.exit() }"


def hidden(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) in HIDDEN and c not in "\n"]


def widget(qtbot, review) -> TranslationReviewWidget:
    w = TranslationReviewWidget(TranslationReviewState(review))
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.mark.hostile(
    area="translation review",
    tried="a translation holding a right-to-left override, a terminal escape, NUL, a lone "
    "surrogate and a line separator",
    outcome="every one is drawn as a named glyph ([U+202E], ...) in the table, the details, the "
    "raw JSON line and the copied finding; none reaches a widget or the clipboard as it is",
)
def test_characters_that_rewrite_the_display_are_shown_as_glyphs(qtbot) -> None:
    w = widget(qtbot, review_of({"Pay \u202ehere": "Pague"}, {"Pay \u202ehere": NASTY}))
    w.select_row(0)
    cell = w.model.index(0, Column.NEW).data()
    assert hidden(cell) == [] and "[U+202E]" in cell and "[U+001B]" in cell
    assert "[U+D800]" in cell and "[U+0000]" in cell and "↵" in cell  # U+2028 breaks the line
    assert hidden(w.model.index(0, Column.KEY).data()) == []
    details = w.details
    assert hidden(details.title.text()) == []
    lines = [details.findings.item(i).text() for i in range(details.findings.count())]
    assert lines and all(hidden(line) == [] for line in lines)
    assert any("JavaScript" in line for line in lines)
    details.json_button.click()
    qtbot.waitUntil(lambda: "new file, line" in details.raw.toPlainText())
    assert hidden(details.raw.toPlainText()) == []
    assert "[U+2028]" in details.raw.toPlainText() or "↵" in details.raw.toPlainText()
    QGuiApplication.clipboard().clear()
    details.findings.setCurrentRow(0)
    assert hidden(details.copy_finding()) == [] and QGuiApplication.clipboard().text()


@pytest.mark.hostile(
    area="translation review",
    tried="a key holding HTML markup (<b>, &amp;) and a translation of 60,000 characters",
    outcome="the markup is shown as text; the huge value takes at most eight lines in the "
    'table (marked "… more below") and the table still paints at once',
)
def test_markup_stays_text_and_a_huge_value_is_cut_in_the_table(qtbot) -> None:
    key = "<b>Bold</b> &amp; more"
    huge = "palabra " * 7500
    w = widget(qtbot, review_of({}, {key: "<i>x</i>", "Long": huge.strip()}))
    w.select_row(w.state.row_of(key))
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp;amp; more" in w.details.title.text()
    long_row = w.model.model_row(w.state.row_of("Long"))
    w.table.show_row(long_row)
    fonts = w.delegate.fonts(w.table.font())
    limit = MAX_LINES * fonts.line_height + 2 * MARGIN + 1
    assert w.table.rowHeight(long_row) <= limit
    index = w.model.index(long_row, Column.NEW)
    _segments, layout = w.delegate.layout(index, w.table.columnWidth(Column.NEW), fonts)
    assert layout.clipped and layout.lines == MAX_LINES
