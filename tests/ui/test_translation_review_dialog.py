"""The review window: editing a flagged value with its live re-check, approving (impossible while
an error remains, warnings acknowledged), stopping, closing, and building from bytes on a worker."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar
from review_fixtures import review_of, small_review

from ereg_desktop.services.deploy.decisions import ReviewVerdict
from ereg_desktop.services.i18n.messages_file import serialize_messages
from ereg_desktop.ui.translations.review_dialog import (
    APPROVE,
    STOP,
    TranslationReviewDialog,
    open_review_from_bytes,
)


def dialog(qtbot, review=None, **kw) -> TranslationReviewDialog:
    d = TranslationReviewDialog(review or small_review(), **kw)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def test_the_tabs_and_the_buttons(qtbot) -> None:
    d = dialog(qtbot)
    assert [d.tabs.tabText(i) for i in range(d.tabs.count())] == [
        "Translations (5)", "Global data (2)",
    ]  # fmt: skip
    assert d.approve_button.text() == APPROVE and d.stop_button.text() == STOP
    assert not d.approve_button.isEnabled()
    assert d.problem.text() == "1 error blocks the update: fix the value here, or stop the update."
    assert not d.acknowledge.isVisible()  # no warnings
    assert d.review_widget is not None
    qtbot.waitUntil(lambda: d.review_widget.current_row() is not None)
    row = d.review_widget.current_row()  # the review starts at its worst problem
    assert d.review_widget.state.rows[row].key == "Business registration"


def test_fixing_the_error_in_the_edit_box_enables_approval(qtbot) -> None:
    d = dialog(qtbot)
    w = d.review_widget
    assert w is not None
    editor = w.details.editor
    qtbot.waitUntil(editor.isVisible)  # the review starts at its first error
    assert editor.fields[0].toPlainText() == "Registro\nde empresas"
    assert not editor.fields[1].isVisible()  # not a plural: one field
    editor.fields[0].setPlainText("Registro\nsigue mal")
    qtbot.waitUntil(lambda: "line break" in editor.result.text())
    assert "line break" in editor.result.text()
    assert not d.approve_button.isEnabled()
    editor.fields[0].setPlainText("Registro de empresas nuevo")
    qtbot.waitUntil(lambda: "No problems" in editor.result.text())
    assert d.approve_button.isEnabled() and d.problem.text() == ""
    assert "2 notes" in w.counts.text() and "error" not in w.counts.text()
    assert w.details.findings.item(0).text() == "No problems found in this value"
    assert w.model.index(0, 0).data() == "changed, edited"
    with qtbot.waitSignal(d.approved) as approved:
        d.approve_button.click()
    verdict = approved.args[0]
    assert verdict == ReviewVerdict(
        approved=True, edits={"Business registration": "Registro de empresas nuevo"}
    )
    assert not d.isVisible()


def test_a_plural_is_edited_in_two_fields(qtbot) -> None:
    key = "n\0One file\0${ n } files"
    d = dialog(qtbot, review_of({}, {key: ["Un archivo", "${ n } archivos ${ x }"]}))
    w = d.review_widget
    assert w is not None
    editor = w.details.editor
    qtbot.waitUntil(editor.isVisible)
    assert [f.isVisible() for f in editor.fields] == [True, True]
    assert editor.fields[1].toPlainText() == "${ n } archivos ${ x }"
    assert not d.approve_button.isEnabled()
    editor.fields[1].setPlainText("${ n } archivos")
    qtbot.waitUntil(lambda: d.approve_button.isEnabled())
    with qtbot.waitSignal(d.approved) as approved:
        d.approve_button.click()
    assert approved.args[0].edits == {key: ["Un archivo", "${ n } archivos"]}


def test_warnings_need_the_acknowledgement_box(qtbot) -> None:
    review = review_of({"Hello ${ name }": "Hola ${ name }"}, {"Hello ${ name }": "Hola"})
    d = dialog(qtbot, review)
    assert d.acknowledge.isVisible() and "warning" in d.acknowledge.text()
    assert not d.approve_button.isEnabled()
    assert "needs your acknowledgement" in d.problem.text()
    d.acknowledge.setChecked(True)
    assert d.approve_button.isEnabled()
    with qtbot.waitSignal(d.approved) as approved:
        d.approve_button.click()
    assert approved.args[0] == ReviewVerdict(approved=True, acknowledged_warnings=True)


def test_stop_and_closing_are_rejected(qtbot) -> None:
    d = dialog(qtbot)
    with qtbot.waitSignal(d.rejected):
        d.stop_button.click()
    d = dialog(qtbot)
    with qtbot.waitSignal(d.rejected):
        d.close()


def test_a_read_only_review_has_no_edit_box(qtbot) -> None:
    d = dialog(qtbot, editable=False)
    assert d.review_widget is not None
    assert not d.review_widget.details.editor.isVisible()


def test_built_from_bytes_on_a_worker_while_the_window_says_so(qtbot) -> None:
    old = serialize_messages({"A": "a", "B": "b"})
    new = serialize_messages({"A": "a\n", "B": "b", "C": "c"})
    d = open_review_from_bytes("gt", old, new)
    qtbot.addWidget(d)
    assert d.loading_text.text() == "Checking 3 keys…"  # at once, before the worker is done
    assert d.pages.currentWidget() is d.loading
    d.show()
    qtbot.waitUntil(lambda: d.pages.currentWidget() is d.tabs)
    assert d.tabs.tabText(0) == "Translations (2)" and not d.approve_button.isEnabled()


def test_a_file_that_cannot_be_read_is_said_and_nothing_can_be_approved(qtbot) -> None:
    d = open_review_from_bytes("gt", b"{}", b'{"A": "a", "A": "b"}')
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: "could not be checked" in d.loading_text.text())
    assert "i18n-messages.json" in d.loading_text.text()
    bar = d.loading.findChild(QProgressBar)
    assert bar is not None and not bar.isVisible()
    assert not d.approve_button.isEnabled() and d.stop_button.isEnabled()


def test_a_window_not_shown_yet_still_gets_its_review(qtbot) -> None:
    d = open_review_from_bytes("gt", serialize_messages({}), serialize_messages({"A": "a"}))
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: d.pages.currentWidget() is d.tabs)  # the build started by itself
    assert not d.isVisible() and d.tabs.tabText(0) == "Translations (1)"
