"""The Logs tab's lines: a bounded buffer, hostile text made safe, the search and its matches,
what Copy gives."""

from __future__ import annotations

from ereg_desktop.presenters.log_lines import ERR, MAX_CHARS, OUT, LogLines, safe_text
from ereg_desktop.services.app_logs import LogRead
from ereg_desktop.services.pm2_parse import LogPaths


def read(out: list[str], err: list[str]) -> LogRead:
    return LogRead(LogPaths("/l/out.log", "/l/err.log"), tuple(out), tuple(err))


def test_a_read_shows_the_out_log_then_the_error_log_marked() -> None:
    lines = LogLines()
    lines.replace(read(["started", "listening"], ["boom"]))
    assert [(ln.stream, ln.text) for ln in lines.shown] == [
        (OUT, "started"), (OUT, "listening"), (ERR, "boom")]  # fmt: skip
    assert lines.summary() == "3 lines (1 from the error log)"
    lines.replace(read(["again"], []))
    assert [ln.text for ln in lines.shown] == ["again"] and lines.summary() == "1 line"


def test_the_buffer_keeps_the_newest_and_says_what_left_the_view() -> None:
    lines = LogLines(limit=5)
    assert lines.add([(OUT, f"l{i}") for i in range(3)]) == (0, 3)
    change = lines.add([(OUT, f"l{i}") for i in range(3, 7)])
    assert [ln.text for ln in lines.kept] == ["l2", "l3", "l4", "l5", "l6"]
    assert [ln.text for ln in lines.shown] == ["l2", "l3", "l4", "l5", "l6"]
    assert (change.removed, change.added) == (2, 4)
    # more in one go than the buffer holds: the ones added and dropped at once never count
    change = lines.add([(OUT, f"m{i}") for i in range(8)])
    assert [ln.text for ln in lines.shown] == ["m3", "m4", "m5", "m6", "m7"]
    assert (change.removed, change.added) == (5, 5)


def test_the_buffer_with_a_search_removes_only_shown_lines() -> None:
    lines = LogLines(limit=4)
    lines.add([(OUT, "a error"), (OUT, "b"), (ERR, "c error"), (OUT, "d")])
    lines.set_query("ERROR")
    assert [ln.text for ln in lines.shown] == ["a error", "c error"]
    assert lines.add([(OUT, "e")]) == (1, 0)  # "a error" left the buffer, "e" does not match
    assert lines.add([(OUT, "f")]) == (0, 0)  # "b" left, it was not shown
    assert lines.add([(ERR, "g error")]) == (1, 1)
    assert [ln.text for ln in lines.shown] == ["g error"]
    assert lines.summary() == "1 of 4 lines match \u201cERROR\u201d"
    lines.set_query("")
    assert [ln.text for ln in lines.shown] == ["d", "e", "f", "g error"]


def test_matches_are_found_case_blind_left_to_right() -> None:
    lines = LogLines()
    lines.set_query("ab")
    assert lines.spans("xAbyabab") == [(1, 3), (4, 6), (6, 8)]
    assert lines.spans("nothing") == []
    lines.set_query("")
    assert lines.spans("ab") == []


def test_hostile_text_is_shown_safely() -> None:
    colour = "\x1b[31mred\x1b[0m \x1b]0;owned title\x07after \x1b]8;;http://x\x1b\\link"
    assert safe_text(colour) == "red after link"
    assert safe_text("nul\x00bell\x07cr\rdel\x7f") == "nul bell cr del "
    assert safe_text("bidi \u202eevil\u202c and \u2028 sep") == "bidi  evil  and   sep"
    assert safe_text("a\tb") == "a   b"
    assert safe_text("bad \ufffd byte \udcff") == "bad \ufffd byte  "
    long = safe_text("x" * (MAX_CHARS + 1234))
    assert long.startswith("x" * MAX_CHARS) and long.endswith("(1,234 more characters)")
    lines = LogLines()
    lines.add([(ERR, "\x1b[2Jclear\x1b[H")])
    assert lines.shown[0].text == "clear" and lines.shown[0].is_err


def test_copy_gives_the_selected_shown_lines_or_all_of_them() -> None:
    lines = LogLines()
    lines.add([(OUT, "one"), (ERR, "two"), (OUT, "three")])
    assert lines.copy_text() == "one\nerr| two\nthree\n"
    assert lines.copy_text([2, 0, 0, 99]) == "one\nthree\n"
    lines.set_query("t")
    assert lines.copy_text() == "err| two\nthree\n"
    assert lines.copy_text([1]) == "three\n"
