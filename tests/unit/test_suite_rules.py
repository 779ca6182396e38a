"""The suite's own rule: an app warning fails a test unless the test expects it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


def test_app_warning_fails_the_test(pytester: pytest.Pytester) -> None:
    shutil.copy(Path(__file__).parents[1] / "conftest.py", pytester.path / "conftest.py")
    pytester.makepyfile(
        """
        import logging
        import pytest

        def test_warns():
            logging.getLogger("ereg_desktop.remote").warning("connection lost")

        @pytest.mark.allow_warning_logs
        def test_expected():
            logging.getLogger("ereg_desktop.remote").warning("connection lost")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)  # reported at teardown of test_warns
    result.stdout.fnmatch_lines(["unexpected warnings logged by the app:", "*connection lost"])
