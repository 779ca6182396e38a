from ereg_desktop.services.durations import age_text, seconds_text, uptime_text


def test_seconds_text() -> None:
    assert seconds_text(0.2) == "0.2 s"
    assert seconds_text(-1) == "0.0 s"
    assert seconds_text(59.94) == "59.9 s"
    assert seconds_text(65) == "1:05 min"
    assert seconds_text(3723) == "1:02:03 h"
    assert seconds_text(2 * 86400 + 60) == "48:01:00 h"


def test_age_text() -> None:
    assert age_text(0.4) == "0.4 s"  # fresh: to a tenth
    assert age_text(-2) == "0.0 s"
    assert age_text(40) == "40 s"
    assert age_text(120) == "2 min"
    assert age_text(3 * 3600 + 5) == "3 h"
    assert age_text(2 * 86400) == "2 d"


def test_uptime_text() -> None:
    assert uptime_text(3 * 3600 + 12 * 60 + 5) == "3h 12m"
    assert uptime_text(2 * 86400 + 7 * 3600) == "2d 7h"
    assert uptime_text(65) == "1m 5s"
    assert uptime_text(-3) == "0s"
