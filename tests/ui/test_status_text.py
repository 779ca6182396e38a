from ereg_desktop.services.durations import age_text, uptime_text
from ereg_desktop.ui.status_text import cpu_text, memory_text


def test_figures_read_like_a_person_would_write_them():
    assert memory_text(150 * 1024 * 1024) == "150 MiB"
    assert memory_text(3 * 1024 * 1024 // 2) == "1.5 MiB"
    assert memory_text(3 * 1024**3) == "3.0 GiB"
    assert uptime_text(3 * 3600 + 12 * 60 + 5) == "3h 12m"
    assert uptime_text(2 * 86400 + 7 * 3600) == "2d 7h"
    assert uptime_text(65) == "1m 5s"
    assert uptime_text(-3) == "0s"
    assert age_text(120) == "2 min"
    assert age_text(40) == "40 s"
    assert cpu_text(2.54) == "2.5 %"
    assert cpu_text(42.4) == "42 %"
