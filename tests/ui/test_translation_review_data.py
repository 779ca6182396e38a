"""The global data tab: each changed file under data/ as an ordinary unified diff, coloured;
a binary file only named."""

from __future__ import annotations

from PySide6.QtGui import QColor
from review_fixtures import small_review

from ereg_desktop.services.i18n.review import DataFileDiff
from ereg_desktop.ui.translations.data_diff_view import BINARY_TEXT, NO_CHANGES, DataDiffView
from ereg_desktop.ui.translations.review_dialog import TranslationReviewDialog


def test_the_data_tab_shows_each_files_diff_and_names_a_binary_one(qtbot) -> None:
    d = TranslationReviewDialog(small_review())
    qtbot.addWidget(d)
    d.show()
    d.tabs.setCurrentIndex(1)
    view = d.data_view
    assert view is not None and d.tabs.currentWidget() is view
    assert view.summary.text() == "2 changed files under data/ (1 binary, not shown)"
    assert [view.files.item(i).text() for i in range(view.files.count())] == [
        "data/fees.json (modified)", "data/logo.png (modified, binary)",
    ]  # fmt: skip
    assert '+  "fee": 12' in view.text.toPlainText()
    view.files.setCurrentRow(1)
    assert view.text.toPlainText() == f"data/logo.png: {BINARY_TEXT}"


def test_added_and_removed_lines_are_coloured(qtbot) -> None:
    view = DataDiffView(
        [DataFileDiff("data/a.json", "modified", unified="@@ -1 +1 @@\n-old\n+new\n")]
    )
    qtbot.addWidget(view)
    view.show()
    document = view.text.document()

    def background(line: int) -> QColor:
        block = document.findBlockByNumber(line)
        formats = block.layout().formats()
        assert formats, f"line {line} is not coloured"
        return formats[0].format.background().color()

    assert background(1) == QColor("#ffebee")  # removed
    assert background(2) == QColor("#e8f5e9")  # added
    assert view.highlighter.hunk.foreground().color() == QColor("#1565c0")


def test_no_data_changes_says_so(qtbot) -> None:
    view = DataDiffView([])
    qtbot.addWidget(view)
    assert (
        view.text.toPlainText() == NO_CHANGES
        and view.summary.text() == "0 changed files under data/"
    )


def test_control_characters_in_a_diff_are_not_shown_raw(qtbot) -> None:
    view = DataDiffView([DataFileDiff("data/x.json", "added", unified="+a\x1b]0;title\x07b\n")])
    qtbot.addWidget(view)
    assert "\x1b" not in view.text.toPlainText() and "+a ]0;title b" in view.text.toPlainText()
