"""``ereg-desktop translations check OLD NEW [--json]``: the exit codes, the JSON, the lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ereg_desktop.cli import main
from ereg_desktop.services.i18n.messages_file import serialize_messages

OLD = serialize_messages({"Save": "Guardar", "Gone": "Ido", "Label": "Etiqueta"})
GOOD = serialize_messages({"Save": "Salvar", "Label": "Etiqueta", "Hi ${ name }": "Hola ${ name }"})
BAD = serialize_messages(
    {
        "Save": "Guardar ${ process.version }",
        "Label": "Eti\nqueta",
        "Gone": "Ido\u200b",
        "n\0One file\0${ n } files": ["Un archivo"],
        "Spaced": "Con  espacio",
    }
)


@pytest.fixture
def files(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--config-dir", "/nonexistent-ereg-config", "translations", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_no_error_exits_0_with_one_line_a_change(files, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = _run(capsys, "check", files("old.json", OLD), files("new.json", GOOD))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[1:4] == [
        'removed  Gone: was "Ido" (the English is shown again)',
        'added    Hi ${ name }: "Hola ${ name }"',
        'changed  Save: "Guardar" -> "Salvar"',
    ]
    assert lines[-1] == "3 changes (1 changed, 1 added, 1 removed); 0 errors, 0 warnings, 0 info"


def test_an_error_exits_1_and_every_finding_is_under_its_change(files, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = _run(capsys, "check", files("old.json", OLD), files("new.json", BAD))
    assert code == 1
    assert (
        'changed  Gone: "Ido" -> "Ido\\u200b"\n'
        "    warning  zero-width-space: The translation has a zero-width space (U+200B)"
    ) in out
    assert (
        'changed  Label: "Etiqueta" -> "Eti\\nqueta"\n'
        "    ERROR    stringline: The translation has a line break (U+000A)"
    ) in out
    assert "    ERROR    es_format: `${ process.version }` is not a plain variable name" in out
    assert 'added    One file | ${ n } files: ["Un archivo"]\n    ERROR    value-type: ' in out
    assert "    info     double_space: A double space" in out
    assert out.rstrip().endswith("3 errors, 1 warning, 1 info — the errors block the submission")


def test_json_has_the_changes_and_the_findings(files, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = _run(capsys, "check", files("o.json", OLD), files("n.json", BAD), "--json")
    assert code == 1
    data = json.loads(out)
    assert set(data) == {"changes", "findings"}
    assert data["changes"][0] == {
        "key": "Gone",
        "status": "changed",
        "old": "Ido",
        "new": "Ido\u200b",
    }
    assert {
        "key": "n\0One file\0${ n } files",
        "status": "added",
        "old": None,
        "new": ["Un archivo"],
    } in data["changes"]
    assert [f["check"] for f in data["findings"] if f["severity"] == "error"] == [
        "stringline",
        "value-type",
        "es_format",
    ]
    assert all(set(f) == {"key", "check", "severity", "message"} for f in data["findings"])


def test_a_layout_problem_is_a_file_warning_and_does_not_fail(files, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = _run(
        capsys, "check", files("o.json", OLD), files("n.json", b'{"Save": "Salvar"}')
    )
    assert code == 0
    assert out.splitlines()[1].startswith("file warning  layout: The file is not in the")


@pytest.mark.hostile(
    area="translations",
    tried="translations check of a file that does not exist, is a folder, or is not valid JSON",
    outcome="exit 2 with the file's name (and line) in the message; no traceback",
)
def test_a_missing_or_invalid_file_exits_2_naming_it(files, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old = files("old.json", OLD)
    code, out, err = _run(capsys, "check", old, str(tmp_path / "absent.json"))
    assert (code, out) == (2, "")
    assert err == f"ereg-desktop: {tmp_path / 'absent.json'}: no such file\n"
    code, _, err = _run(capsys, "check", str(tmp_path), old)
    assert code == 2 and "is a folder" in err
    bad = files("bad.json", b'{\n  "a": "b",\n  "a": "c"\n}\n')
    code, _, err = _run(capsys, "check", old, bad)
    assert code == 2
    assert (
        err
        == f'ereg-desktop: {bad}, line 3: the key "a" appears twice; a key may have only one translation\n'
    )
    broken = files("broken.json", b'{\n  "a": \n')
    code, _, err = _run(capsys, "check", broken, old)
    assert code == 2 and f"{broken}, line 3, column 1: not valid JSON" in err


def test_what_a_terminal_would_act_on_is_shown_escaped(files, capsys) -> None:  # type: ignore[no-untyped-def]
    hostile = serialize_messages({"Save": "Guardar\x1b]0;owned\x07\u202e"})
    code, out, _ = _run(capsys, "check", files("o.json", OLD), files("n.json", hostile))
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert '"Guardar\\u001b]0;owned\\u0007\\u202e"' in out


def test_the_real_command_runs_as_a_process(files) -> None:  # type: ignore[no-untyped-def]
    old, new = files("old.json", OLD), files("new.json", BAD)
    proc = subprocess.run(
        [sys.executable, "-m", "ereg_desktop", "translations", "check", old, new, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert len(json.loads(proc.stdout)["changes"]) == 5
    proc = subprocess.run(
        [sys.executable, "-m", "ereg_desktop", "translations", "check", old, old],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.endswith(
        "0 changes (0 changed, 0 added, 0 removed); 0 errors, 0 warnings, 0 info\n"
    )


def test_usage_errors_exit_2(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as info:
        main(["translations", "check", "only-one.json"])
    assert info.value.code == 2
    assert "NEW.json" in capsys.readouterr().err
