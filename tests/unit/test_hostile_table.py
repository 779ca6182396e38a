"""docs/hostile-inputs.md is exactly what the hostile-marked tests render (tests/hostile_table.py)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

import hostile_table  # noqa: E402


def test_the_table_in_docs_is_current() -> None:
    rows = hostile_table.collect_rows()
    assert rows, "no test is marked hostile"
    expected = hostile_table.render(rows)
    actual = hostile_table.TABLE.read_text(encoding="utf-8") if hostile_table.TABLE.exists() else ""
    assert actual == expected, (
        "docs/hostile-inputs.md is not current: run `.venv/bin/python tests/hostile_table.py "
        "--write` and commit it"
    )


def test_every_row_names_a_test_that_exists() -> None:
    rows = hostile_table.collect_rows()
    for row in rows:
        path = ROOT / row["test"].split("::", 1)[0]
        assert path.is_file(), row
        assert row["area"].strip() and row["tried"].strip() and row["outcome"].strip(), row
