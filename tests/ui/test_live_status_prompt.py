"""The passphrase prompt asked from a worker thread: the dialog on the GUI thread, the answer back."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QLineEdit

from ereg_desktop.ui.passphrase_prompt import PassphrasePrompt


def ask_in_thread(prompt, answers):
    thread = threading.Thread(target=lambda: answers.append(prompt("unctad")))
    thread.start()
    return thread


def test_the_worker_gets_what_the_operator_typed(qtbot, window):
    prompt = PassphrasePrompt(window)
    answers: list[str | None] = []
    with qtbot.waitSignal(prompt.dialog_shown, timeout=5000) as shown:
        thread = ask_in_thread(prompt, answers)
    dialog = shown.args[0]
    assert dialog.textEchoMode() == QLineEdit.EchoMode.Password
    assert "unctad" in dialog.windowTitle()
    dialog.setTextValue("s3cret")
    dialog.accept()
    thread.join(5)
    assert answers == ["s3cret"]


def test_cancel_gives_none(qtbot, window):
    prompt = PassphrasePrompt(window)
    answers: list[str | None] = []
    with qtbot.waitSignal(prompt.dialog_shown, timeout=5000) as shown:
        thread = ask_in_thread(prompt, answers)
    shown.args[0].reject()
    thread.join(5)
    assert answers == [None]


def test_closing_the_window_releases_waiting_workers(qtbot, window):
    prompt = PassphrasePrompt(window)
    answers: list[str | None] = []
    with qtbot.waitSignal(prompt.dialog_shown, timeout=5000) as shown:
        thread = ask_in_thread(prompt, answers)
    prompt.release_all()
    thread.join(5)
    assert answers == [None] and not thread.is_alive()
    shown.args[0].reject()
    assert prompt("unctad") is None  # on the GUI thread: never blocks


def test_settings_round_trip_and_broken_file(tmp_path):
    from ereg_desktop.store.settings import Settings, load_settings, save_settings

    path = tmp_path / "settings.toml"
    assert load_settings(path) == Settings(refresh_interval_s=10)
    save_settings(path, Settings().with_refresh_interval(1))
    assert load_settings(path).refresh_interval_s == 2  # clamped
    path.write_text("this is [ not toml")
    assert load_settings(path) == Settings()
    path.write_text('[status]\nrefresh_interval_s = "often"\n')
    assert load_settings(path) == Settings()


def test_an_unanswered_prompt_times_out(qtbot, window):
    prompt = PassphrasePrompt(window, timeout_s=0.2)
    answers: list[str | None] = []
    with qtbot.waitSignal(prompt.dialog_shown, timeout=5000) as shown:
        thread = ask_in_thread(prompt, answers)
    dialog = shown.args[0]
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=5000)
    assert answers == [None]  # the worker (holding the server's pool lock) is free again
    from shiboken6 import isValid

    qtbot.waitUntil(lambda: not isValid(dialog) or not dialog.isVisible(), timeout=5000)
