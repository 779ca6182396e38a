"""The table of hostile inputs and faults (docs/hostile-inputs.md), made from the tests themselves.

Every test of a hostile input or a fault carries ``@pytest.mark.hostile(area=..., tried=...,
outcome=...)`` (on ``pytest.param`` for a parametrized case): what was tried and what the app does,
which the test asserts. This script collects the suite (nothing runs) and renders those rows, so
the table is exactly the tests that exist; ``tests/unit/test_hostile_table.py`` fails when the
committed table differs from what the suite would render.

    .venv/bin/python tests/hostile_table.py --write     # after adding or changing a hostile test
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "docs" / "hostile-inputs.md"
HEADER = """# Hostile inputs and faults: what was tried, what the app does

Made by `tests/hostile_table.py` from the tests marked `hostile` (each row is asserted by the test
named in its last column); `tests/unit/test_hostile_table.py` fails when this file is not current.
None of these ends in a traceback, loses a record, deletes or half-writes anything, or leaves an app
down without saying so.

| # | area | what was tried | what the app does | test |
|---|---|---|---|---|
"""


def collect_rows() -> list[dict[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        env = dict(os.environ, EREG_HOSTILE_ROWS=str(out), EREG_ALLOW_SKIP="1")
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if not out.exists():
            raise SystemExit(f"collection failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        rows: list[dict[str, str]] = json.loads(out.read_text(encoding="utf-8"))
    return sorted(rows, key=lambda r: (r["area"], r["test"]))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render(rows: list[dict[str, str]]) -> str:
    lines = [
        f"| {i} | {_cell(r['area'])} | {_cell(r['tried'])} | {_cell(r['outcome'])} | "
        f"`{_cell(r['test'])}` |"
        for i, r in enumerate(rows, 1)
    ]
    return HEADER + "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {TABLE.relative_to(ROOT)}")
    args = parser.parse_args()
    text = render(collect_rows())
    if args.write:
        TABLE.write_text(text, encoding="utf-8")
        print(f"{TABLE}: {text.count(chr(10)) - HEADER.count(chr(10))} rows")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
