"""The translation review's server commands as data (argv, kind, positional values, limits) and
the parsing of their replies, recorded and hostile; the scripts themselves run in a local bash
against a local git repository (a stand-in for the server's account)."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ereg_desktop.commands.translations_diff import as_json, human
from ereg_desktop.errors import BadInputError, ConnectionProblem, OperationFailed
from ereg_desktop.remote.command import Result
from ereg_desktop.services.deploy.model_check import (
    NODE_SCRIPT,
    ModelCheck,
    model_check,
    model_check_command,
    model_check_wanted,
    parse_model_check,
)
from ereg_desktop.services.deploy.steps import CommandKind
from ereg_desktop.services.deploy.translations_read import (
    blobs_command,
    current_blobs,
    parse_blobs,
    parse_pending,
    read_command,
    read_pending,
    review_of,
)
from ereg_desktop.services.deploy.translations_write import (
    FilesChangedMeanwhile,
    write_back,
    write_back_command,
)
from ereg_desktop.services.deploy.upload import framed
from ereg_desktop.services.i18n.findings import CheckId, Severity

M = "@@ereg-desktop:"
SHA = "a" * 40
NONCE = "0123456789abcdef"


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode()


def git_blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class LocalShell:
    """The account's shell as a local bash with HOME at ``home`` (stdin for run_input)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.inputs: list[bytes] = []

    def run(self, argv: Sequence[str], *, timeout: float) -> Result:
        return self._run(argv, b"", timeout)

    def run_input(self, argv: Sequence[str], data: bytes, *, timeout: float) -> Result:
        self.inputs.append(data)
        return self._run(argv, data, timeout)

    def _run(self, argv: Sequence[str], data: bytes, timeout: float) -> Result:
        env = {"HOME": str(self.home), "PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1"}
        out = subprocess.run(list(argv), input=data, capture_output=True, cwd=self.home,
                             timeout=timeout, env=env)  # fmt: skip
        dec = out.stdout.decode("utf-8", "replace"), out.stderr.decode("utf-8", "replace")
        return Result(out.returncode, dec[0], dec[1], 0.0)


class Canned:
    """A shell answering every command with one recorded reply."""

    def __init__(self, exit_code: int = 0, stdout: str = "", stderr: str = "") -> None:
        self.reply = Result(exit_code, stdout, stderr, 0.25)
        self.calls: list[tuple[tuple[str, ...], bytes | None, float]] = []

    def run(self, argv: Sequence[str], *, timeout: float) -> Result:
        self.calls.append((tuple(argv), None, timeout))
        return self.reply

    def run_input(self, argv: Sequence[str], data: bytes, *, timeout: float) -> Result:
        self.calls.append((tuple(argv), data, timeout))
        return self.reply


def git(cwd: Path, *args: str) -> str:
    env = {"HOME": str(cwd.parent), "PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


@pytest.fixture
def app_repo(tmp_path: Path) -> Path:
    """~/gt: a git repository with i18n-messages.json and data/ committed."""
    repo = tmp_path / "gt"
    (repo / "data").mkdir(parents=True)
    (repo / "i18n-messages.json").write_bytes(b'{\n  "legend": "Leyenda"\n}\n')
    (repo / "data/global.json").write_text('{"currency": "USD"}\n')
    (repo / "data/old.json").write_text("old\n")
    (repo / "server.js").write_text("// not data\n")
    git(repo, "init", "-q", "-b", "master")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "initial")
    return repo


# ----- the commands as data --------------------------------------------------------------------


def test_read_command_is_one_read_only_script_with_the_app_as_its_only_value() -> None:
    cmd = read_command("gt")
    assert cmd.argv[:2] == ("bash", "-c") and cmd.argv[3:] == ("_", "gt")
    assert cmd.kind == CommandKind.READ and cmd.timeout == 120
    text = cmd.argv[2]
    assert "gt" not in text.replace("git", "")  # the value reaches it only as $1
    for part in (
        "git status --porcelain=v1 -z -uall -- i18n-messages.json data",
        "git show HEAD:i18n-messages.json",
        "git hash-object --",
        "--no-index -- /dev/null",
        "git diff --no-color --no-ext-diff --no-textconv HEAD --",
        "i18n-scan-map.generated.json",
        "GIT_LITERAL_PATHSPECS=1",
        "base64 -w0",
    ):
        assert part in text


@pytest.mark.parametrize("app", ["-rf", "../x", "a b", "$(id)", ""])
def test_commands_refuse_a_value_that_is_not_an_app_name(app: str) -> None:
    for build in (read_command, lambda a: model_check_command(a, 60),
                  lambda a: write_back_command(a, SHA), lambda a: blobs_command(a, [])):  # fmt: skip
        with pytest.raises(BadInputError):
            build(app)


def test_blobs_command_passes_each_path_as_its_own_positional_value() -> None:
    paths = ["i18n-messages.json", "data/a b $(touch x).json", "data/new\nline.json"]
    cmd = blobs_command("gt", paths)
    assert cmd.argv[3:] == ("_", "gt", *paths)
    assert cmd.kind == CommandKind.READ
    assert 'for p in "$@"; do blob "$p"; done' in cmd.argv[2]


@pytest.mark.parametrize("path", ["server.js", "../etc/passwd", "data/../server.js", "-x",
                                  "data/", "data//x", "/data/x", "data/./x"])  # fmt: skip
def test_blobs_command_refuses_a_path_outside_the_review(path: str) -> None:
    with pytest.raises(BadInputError, match="not a translations or data/ file path"):
        blobs_command("gt", [path])


def test_model_check_command_values_and_limits() -> None:
    cmd = model_check_command("gt", 60)
    assert cmd.argv[:2] == ("bash", "-c")
    assert cmd.argv[3:] == ("_", "gt", "60", NODE_SCRIPT)
    assert cmd.kind == CommandKind.READ
    assert cmd.timeout == 60 + 5 + 30  # the model's limit, the kill grace, the upload
    text = cmd.argv[2]
    assert 'timeout -k 5 "$2" node -e "$3" "$PWD/i18n-messages.json" "$tmp" "$nonce"' in text
    assert 'mktemp "$dir/model-check.XXXXXX"' in text and "trap 'rm -f -- \"$tmp\"' EXIT" in text
    assert "mv " not in text and "> i18n-messages.json" not in text  # never the real file
    assert model_check_command("gt", 2.5).argv[5] == "2.5"
    for bad in (0, -1, 1e9):
        with pytest.raises(BadInputError):
            model_check_command("gt", bad)


def test_write_back_command_values() -> None:
    cmd = write_back_command("gt", SHA)
    assert cmd.argv[3:] == ("_", "gt", SHA)
    assert cmd.kind == CommandKind.WRITE
    text = cmd.argv[2]
    assert '[ "$found" = "$2" ]' in text and 'mv -f -- "$tmp" "$f"' in text
    assert 'chmod --reference="$f"' in text
    for bad in ("", "HEAD", SHA[:-1], SHA + "; rm -rf ~", SHA.upper()):
        with pytest.raises(BadInputError):
            write_back_command("gt", bad)


def test_framed_upload_is_a_header_line_then_the_bytes() -> None:
    data = b'{\n  "a": "b\\n"\n}\n\x00\xff'
    head, rest = framed(data).split(b"\n", 1)
    assert rest == data
    assert head == f"{len(data)} {hashlib.sha256(data).hexdigest()}".encode()


def test_model_check_setting() -> None:
    assert model_check_wanted("production") is True
    assert model_check_wanted("development") is False
    assert model_check_wanted("development", True) is True
    assert model_check_wanted("production", False) is False


# ----- the read, recorded and hostile ---------------------------------------------------------

DIFF = "diff --git a/data/global.json b/data/global.json\n@@ -1 +1 @@\n-1\n+2\n"
BINARY = (
    "diff --git a/data/x.png b/data/x.png\nnew file mode 100644\n"
    "Binary files /dev/null and b/data/x.png differ\n"
)
COMMITTED = b"{\n  \n}\n"
CURRENT = b'{\n  "legend": "Ley\\nenda"\n}\n'
DELETED = "diff --git a/data/old.json b/data/old.json\ndeleted file mode 100644\n"
NOT_UTF8 = b64(b"data/\xff.png")
RECORDED = "\n".join([
    "Welcome to the server!",  # a login shell's noise before the start marker
    f"{M}translations-read 1",
    f"{M}committed {b64(COMMITTED)}",
    f"{M}current {b64(CURRENT)}",
    f"{M}path .M {b64('i18n-messages.json')}",
    f"{M}blob {SHA}",
    f"{M}path .M {b64('data/global.json')}",
    f"{M}blob {'b' * 40}",
    f"{M}diff {b64(DIFF)}",
    f"{M}path ?? {b64('data/x.png')}",
    f"{M}blob {'c' * 40}",
    f"{M}diff {b64(BINARY)}",
    f"{M}path .D {b64('data/old.json')}",
    f"{M}blob-deleted",
    f"{M}diff {b64(DELETED)}",
    f"{M}scan-map {b64('{}')}",
    f"{M}end",
    "",
])  # fmt: skip


def test_a_recorded_read_is_parsed_exactly() -> None:
    p = parse_pending("gt", RECORDED)
    assert p.committed == COMMITTED
    assert p.current == CURRENT
    assert p.blobs == {"i18n-messages.json": SHA, "data/global.json": "b" * 40,
                       "data/x.png": "c" * 40, "data/old.json": None}  # fmt: skip
    assert p.paths == ("i18n-messages.json", "data/global.json", "data/x.png", "data/old.json")
    assert [(d.path, d.status, d.binary) for d in p.data_diffs] == [
        ("data/global.json", "modified", False),
        ("data/x.png", "added", True),
        ("data/old.json", "deleted", False),
    ]
    assert p.data_diffs[0].unified == DIFF and p.data_diffs[1].unified == ""
    assert p.scan_map == b"{}"


def test_absent_files_and_nothing_pending() -> None:
    reply = f"{M}translations-read 1\n{M}committed-absent\n{M}current-absent\n"
    reply += f"{M}scan-map-absent\n{M}end\n"
    p = parse_pending("gt", reply)
    assert p.committed is None and p.current is None and p.scan_map is None
    assert p.nothing_pending and p.paths == () and p.data_diffs == ()


def _replace(line_start: str, new: str | None) -> str:
    lines = RECORDED.split("\n")
    i = next(i for i, ln in enumerate(lines) if ln.startswith(line_start))
    if new is None:
        del lines[i]
    else:
        lines[i] = new
    return "\n".join(lines)


GARBAGE = [
    ("empty", "", "an empty reply", "an empty reply"),
    ("no-start", "just some text\nmore\n", "no start marker", "text without the start marker"),
    ("wrong-version", RECORDED.replace("translations-read 1", "translations-read 2"),
     "no start marker", "a reply of another version of the script"),
    ("truncated", RECORDED.split(f"{M}path ?? ")[0], "ends before",
     "a reply cut off in the middle (no end marker)"),
    ("bad-base64", _replace(f"{M}current ", f"{M}current not*base64!"), "is not base64",
     "a file content that is not base64"),
    ("outside", _replace(f"{M}path .M {b64('data/global.json')}", f"{M}path .M {b64('../x')}"),
     "outside i18n-messages.json and data/", "a pending path ../x"),
    ("non-utf8-name", _replace(f"{M}path ?? ", f"{M}path ?? {NOT_UTF8}"),
     "not UTF-8", "a file name that is not UTF-8"),
    ("bad-sha", _replace(f"{M}blob {SHA}", f"{M}blob ../../etc"), "where the blob",
     "a blob sha ../../etc"),
    ("stray-line", _replace(f"{M}blob-deleted", "rm -rf ~"), "unexpected line",
     "a line without a marker in the middle"),
    ("no-diff", _replace(f"{M}diff {b64(DIFF)}", None), "where the diff",
     "a data/ file without its diff"),
    ("after-end", RECORDED + f"{M}current {b64('x')}\n", "after the end marker",
     "records after the end marker"),
    ("twice", RECORDED.replace(f"{M}scan-map ", f"{M}path .M {b64('i18n-messages.json')}\n"
                               f"{M}blob {SHA}\n{M}scan-map "), "twice", "a path listed twice"),
    ("no-status", _replace(f"{M}path .M {b64('i18n-messages.json')}",
                           f"{M}path {b64('i18n-messages.json')}"),
     "without a git status code", "a path record without its status code"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("reply", "what"),
    [pytest.param(r, w, id=i, marks=pytest.mark.hostile(
        area="translations read", tried=t,
        outcome="'the translation files read from APP are not what the app expects (WHAT)'; "
                "nothing is reviewed or changed"))
     for i, r, w, t in GARBAGE],
)  # fmt: skip
def test_a_garbled_read_is_refused_naming_the_app(reply: str, what: str) -> None:
    with pytest.raises(OperationFailed) as err:
        parse_pending("gt", reply)
    assert "read from gt are not what the app expects" in str(err.value)
    assert what in str(err.value)
    assert "\x1b" not in str(err.value)


@pytest.mark.hostile(area="translations read", tried="terminal escapes and 5000 characters in "
                     "the unexpected line", outcome="quoted in the error without control "
                     "characters, cut at 200 characters")  # fmt: skip
def test_a_hostile_unexpected_line_is_quoted_safely() -> None:
    reply = RECORDED.replace(f"{M}end", "\x1b]0;owned\x07" + "x" * 5000)
    with pytest.raises(OperationFailed) as err:
        parse_pending("gt", reply)
    assert "\x1b" not in str(err.value) and "\x07" not in str(err.value)
    assert len(str(err.value)) < 600


def test_read_pending_failures() -> None:
    with pytest.raises(OperationFailed, match=r"exit 128\): fatal: not a git repository"):
        read_pending(Canned(128, "", "fatal: not a git repository\n"), "gt")
    with pytest.raises(ConnectionProblem, match="dropped"):
        read_pending(Canned(-1), "gt")


def test_parse_blobs() -> None:
    reply = f"motd\n{M}blobs 1\n{M}blob {SHA}\n{M}blob-deleted\n{M}end\n"
    assert parse_blobs("gt", ["i18n-messages.json", "data/x"], reply) == {
        "i18n-messages.json": SHA, "data/x": None}  # fmt: skip
    with pytest.raises(OperationFailed, match="more blobs"):
        parse_blobs("gt", ["i18n-messages.json"], reply)
    with pytest.raises(OperationFailed, match="where the blob of 'data/y' should be"):
        parse_blobs("gt", ["i18n-messages.json", "data/x", "data/y"], reply)
    assert current_blobs(Canned(), "gt", []) == {}


# ----- the scripts in a local bash ------------------------------------------------------------

HOSTILE_NAME = "data/a b $(touch pwned) `id`;*.json"


@pytest.mark.hostile(area="translations read", tried="data/ files named with spaces, $(...), "
                     "backticks, ';', '*' and a newline; a binary file; an untracked, a deleted "
                     "and a modified file", outcome="each read under its exact name with the "
                     "blob `git hash-object` gives; nothing in a name runs")  # fmt: skip
def test_the_read_script_reads_every_pending_file_exactly(app_repo: Path) -> None:
    home = app_repo.parent
    new_tr = b'{\n  "legend": "Ley\\nenda",\n  "x": "\xe2\x80\xa8"\n}\n'
    (app_repo / "i18n-messages.json").write_bytes(new_tr)
    (app_repo / "data/global.json").write_text('{"currency": "EUR"}\n')
    (app_repo / "data/old.json").unlink()
    (app_repo / HOSTILE_NAME).write_text("hostile\n")
    (app_repo / "data/new\nline.json").write_text("nl\n")
    (app_repo / "data/sub").mkdir()
    (app_repo / "data/sub/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (app_repo / "server.js").write_text("// changed, not reviewed here\n")
    (app_repo / "i18n-scan-map.generated.json").write_bytes(b'{"legend": {}}\n')

    p = read_pending(LocalShell(home), "gt")

    assert p.committed == b'{\n  "legend": "Leyenda"\n}\n' and p.current == new_tr
    assert p.scan_map == b'{"legend": {}}\n'
    expected = {"i18n-messages.json", "data/global.json", "data/old.json", HOSTILE_NAME,
                "data/new\nline.json", "data/sub/logo.png"}  # fmt: skip
    assert set(p.blobs) == expected
    for path in expected - {"data/old.json"}:
        assert p.blobs[path] == git_blob((app_repo / path).read_bytes()), path
    assert p.blobs["data/old.json"] is None
    diffs = {d.path: d for d in p.data_diffs}
    assert set(diffs) == expected - {"i18n-messages.json"}
    assert diffs["data/global.json"].status == "modified"
    assert '-{"currency": "USD"}' in diffs["data/global.json"].unified
    assert diffs["data/old.json"].status == "deleted" and "-old" in diffs["data/old.json"].unified
    assert diffs[HOSTILE_NAME].status == "added" and "+hostile" in diffs[HOSTILE_NAME].unified
    assert diffs["data/sub/logo.png"].binary and diffs["data/sub/logo.png"].unified == ""
    assert not (app_repo / "pwned").exists() and not (home / "pwned").exists()

    again = current_blobs(LocalShell(home), "gt", list(p.blobs))
    assert again == p.blobs


def test_the_write_back_script_replaces_atomically_and_keeps_the_mode(app_repo: Path) -> None:
    home, target = app_repo.parent, app_repo / "i18n-messages.json"
    target.chmod(0o664)
    old = target.read_bytes()
    new = b'{\n  "legend": "Leyenda corregida"\n}\n'
    shell = LocalShell(home)
    with pytest.raises(FilesChangedMeanwhile) as err:
        write_back(shell, "gt", new, "0" * 40)
    assert err.value.expected == "0" * 40 and err.value.found == git_blob(old)
    assert err.value.path == "i18n-messages.json"
    assert target.read_bytes() == old
    assert write_back(shell, "gt", new, git_blob(old)) == git_blob(new)
    assert target.read_bytes() == new and target.stat().st_mode & 0o777 == 0o664
    assert sorted(p.name for p in app_repo.iterdir() if p.name.startswith(".i18n")) == []
    assert shell.inputs[-1] == framed(new)


@pytest.mark.hostile(area="translations write-back", tried="the upload cut short (the "
                     "connection dropped while sending)", outcome="'the file arrived damaged "
                     "... nothing was written'; the file is unchanged, no temp file left")  # fmt: skip
def test_a_truncated_upload_is_never_moved_in(app_repo: Path) -> None:
    target = app_repo / "i18n-messages.json"
    old = target.read_bytes()
    cmd = write_back_command("gt", git_blob(old))
    res = LocalShell(app_repo.parent).run_input(cmd.argv, framed(b"{\n  ")[:-1], timeout=30)
    assert res.stdout.strip() == f"{M}upload-damaged"
    assert target.read_bytes() == old
    assert [p.name for p in app_repo.iterdir() if p.name.startswith(".i18n")] == []


def test_write_back_replies() -> None:
    with pytest.raises(FilesChangedMeanwhile, match="found none: the file is gone") as err:
        write_back(Canned(0, f"{M}write-refused deleted\n"), "gt", b"{}", SHA)
    assert err.value.found is None
    shell = Canned(0, f"{M}written {'d' * 40}\n")
    assert write_back(shell, "gt", b"{}", SHA) == "d" * 40
    assert shell.calls[0][1] == framed(b"{}")
    with pytest.raises(OperationFailed, match="arrived damaged"):
        write_back(Canned(0, f"{M}upload-damaged\n"), "gt", b"{}", SHA)
    with pytest.raises(OperationFailed, match=r"exit 7\): mv: cannot move"):
        write_back(Canned(7, "", "mv: cannot move\n"), "gt", b"{}", SHA)
    with pytest.raises(ConnectionProblem):
        write_back(Canned(-1), "gt", b"{}", SHA)


@pytest.mark.hostile(area="translations write-back", tried="a reply saying written with a "
                     "blob ../../x, or two written lines", outcome="'failed ... read it again "
                     "before going on': never taken for a write")  # fmt: skip
@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(f"{M}written ../../x\n", id="bad-blob"),
        pytest.param(f"{M}written {SHA}\n{M}written {SHA}\n", id="twice"),
    ],
)
def test_a_garbled_write_reply_is_not_taken_for_a_write(reply: str) -> None:
    with pytest.raises(OperationFailed, match="read it again"):
        write_back(Canned(0, reply), "gt", b"{}", SHA)


# ----- the model check's replies ---------------------------------------------------------------


def reply(*marks: str, plain: str = "") -> str:
    return plain + "".join(f"\n{M}{m}\n" for m in marks)


def parse(stdout: str, stderr: str = "", code: int = 0) -> ModelCheck:
    return parse_model_check("gt", 60, code, stdout, stderr, 1.5)


def test_model_check_outcomes() -> None:
    ok = parse(reply(f"model-check-started {NONCE}", f'model-loaded {NONCE} ""',
                     f"model-check-exit {NONCE} 0"))  # fmt: skip
    assert ok.ran and ok.ok and ok.finding() is None and ok.seconds == 1.5
    err = json.dumps('TypeError: "Ley\\nenda" doesn\'t match pattern')
    failed = parse(reply(f"model-check-started {NONCE}", f"model-error {NONCE} {err}",
                         f"model-check-exit {NONCE} 3"), "TypeError: ...\n    at x.js:1\n")  # fmt: skip
    assert failed.ran and not failed.ok and not failed.timed_out
    assert (
        failed.message == 'the model does not load: TypeError: "Ley\\nenda" doesn\'t match pattern'
    )
    finding = failed.finding()
    assert finding is not None and finding.key is None
    assert (finding.check, finding.severity) == (CheckId.MODEL_LOAD, Severity.ERROR)
    assert "TypeError" in failed.output
    slow = parse(reply(f"model-check-started {NONCE}", f"model-check-exit {NONCE} 124"))
    assert slow.ran and slow.timed_out and not slow.ok
    assert slow.message == "the model did not finish loading within 60 s (timed out)"
    assert slow.finding() is not None
    for why, words in [("no-model", "no server/model.js"), ("no-node", "node is not on"),
                       ("no-app", "no app folder ~/gt"), ("no-timeout", "no `timeout`")]:  # fmt: skip
        skipped = parse(reply(f"model-check-skipped {why}"))
        assert not skipped.ran and skipped.finding() is None
        assert skipped.message.startswith("could not run: ") and words in skipped.message


def test_a_crash_without_the_marker_uses_the_first_meaningful_stderr_line() -> None:
    stderr = ("/home/u/gt/server/model.js:3\n    throw new Error('boom');\n    ^\n\n"
              "Error: boom at load\n    at Object.<anonymous> (/home/u/gt/server/model.js:3:9)\n")  # fmt: skip
    check = parse(reply(f"model-check-started {NONCE}", f"model-check-exit {NONCE} 1"), stderr)
    assert check.message == "the model does not load: Error: boom at load"
    quiet = parse(reply(f"model-check-started {NONCE}", f"model-check-exit {NONCE} 0"))
    assert quiet.message == "the model does not load: the model ended the process while loading"


@pytest.mark.hostile(area="model check", tried="the model prints a loaded marker of its own "
                     "(without the run's nonce) and exits 0", outcome="not taken for a "
                     "load: 'the model does not load'")  # fmt: skip
def test_a_forged_marker_is_not_a_load() -> None:
    check = parse(reply(f"model-check-started {NONCE}", 'model-loaded ffffffffffffffff ""',
                        f"model-check-exit {NONCE} 0"))  # fmt: skip
    assert check.ran and not check.ok


@pytest.mark.hostile(area="model check", tried="an error message with terminal escapes, a NUL, "
                     "U+2028 and 10 000 characters", outcome="the finding's message has no "
                     "control characters and at most 300 characters")  # fmt: skip
def test_a_hostile_error_message_is_cleaned_and_capped() -> None:
    text = json.dumps("\x1b[2JError:\x00 bad\u2028value " + "x" * 10000)
    check = parse(reply(f"model-check-started {NONCE}", f"model-error {NONCE} {text}",
                        f"model-check-exit {NONCE} 3"))  # fmt: skip
    assert check.message.isprintable() and len(check.message) <= 300
    assert (
        check.message.startswith("the model does not load:") and "Error: bad value" in check.message
    )


@pytest.mark.hostile(area="model check", tried="no markers at all, a damaged upload, a start "
                     "without its exit line", outcome="'could not run: ...': no finding, never "
                     "blocks")  # fmt: skip
@pytest.mark.parametrize(
    "stdout",
    [
        pytest.param("garbage\n", id="no-markers"),
        pytest.param(reply("upload-damaged"), id="upload-damaged"),
        pytest.param(reply(f"model-check-started {NONCE}"), id="no-exit-line"),
        pytest.param(reply("model-check-started nonce-not-hex"), id="bad-nonce"),
    ],
)
def test_a_check_that_could_not_run_never_blocks(stdout: str) -> None:
    check = parse(stdout, code=0)
    assert not check.ran and check.finding() is None
    assert check.message.startswith("could not run: ")


def test_model_check_sends_the_framed_candidate_on_stdin() -> None:
    shell = Canned(0, reply("model-check-skipped no-model"))
    check = model_check(shell, "gt", b'{\n  "a": "b"\n}\n', timeout_s=10)
    assert not check.ran
    argv, data, timeout = shell.calls[0]
    assert argv[3:5] == ("_", "gt") and argv[5] == "10"
    assert data == framed(b'{\n  "a": "b"\n}\n') and timeout == 45
    with pytest.raises(ConnectionProblem):
        model_check(Canned(-1), "gt", b"{}")


def test_existing_shells_without_run_input_still_run_everything_else() -> None:
    class RunOnly:  # what tests/unit fakes implement
        def run(self, argv: Any, *, timeout: float) -> Result:
            return Result(0, f"{M}translations-read 1\n{M}committed-absent\n{M}current-absent"
                          f"\n{M}scan-map-absent\n{M}end\n", "", 0.0)  # fmt: skip

    assert read_pending(RunOnly(), "gt").nothing_pending


# ----- the review and `translations diff`'s output ---------------------------------------------


def test_review_of_builds_the_review_of_the_pending_files() -> None:
    p = parse_pending("gt", RECORDED)
    review = review_of(p)
    assert review.app == "gt" and review.old_bytes == COMMITTED and review.new_bytes == CURRENT
    assert [(c.key, c.new) for c in review.changes] == [("legend", "Ley\nenda")]
    assert review.reviewed_blobs == p.blobs and review.data_diffs == p.data_diffs
    assert review.blocked  # a line break introduced into "legend"
    missing = parse_pending("gt", f"{M}translations-read 1\n{M}committed-absent\n"
                            f"{M}current {b64(CURRENT)}\n{M}scan-map-absent\n{M}end\n")  # fmt: skip
    assert review_of(missing).old_bytes == b"{\n  \n}\n"  # no committed file: the empty map


def test_diff_output_adds_the_data_files_and_the_model_check() -> None:
    review = review_of(parse_pending("gt", RECORDED))
    check = ModelCheck(True, False, "the model does not load: TypeError: x", 1.25)
    finding = check.finding()
    assert finding is not None
    review = replace(review, findings=(finding, *review.findings))
    data = as_json(review, check)
    assert list(data) == ["app", "changes", "findings", "data", "model_check"]
    assert data["findings"][0] == {"key": None, "check": "model-load", "severity": "error",  # type: ignore[index]
                                   "message": "the model does not load: TypeError: x"}  # fmt: skip
    assert data["data"][1] == {"path": "data/x.png", "status": "added", "binary": True,  # type: ignore[index]
                               "diff": ""}  # fmt: skip
    assert data["model_check"] == {"ran": True, "ok": False, "timed_out": False,
                                   "message": "the model does not load: TypeError: x",
                                   "seconds": 1.25}  # fmt: skip
    text = human(review, check, wanted=True)
    assert text.startswith("gt: HEAD:i18n-messages.json -> working tree\n")
    assert "file ERROR    model-load: the model does not load: TypeError: x" in text
    assert "added    data/x.png (binary)\n" in text and "deleted  data/old.json\n" in text
    assert text.endswith("Model check: the model does not load: TypeError: x (1.2 s)\n")
    off = human(review_of(parse_pending("gt", RECORDED)), None, wanted=False)
    assert "Model check: not run (off for this environment; --model-check runs it)" in off


def test_the_diff_subcommand_takes_the_model_check_flags() -> None:
    from ereg_desktop.cli import build_parser

    def parse(*extra: str) -> Any:
        return build_parser("translations").parse_args(["translations", "diff", "gt", *extra])

    default = parse()
    assert (default.app, default.json, default.server, default.model_check) == (
        "gt",
        False,
        None,
        None,
    )
    assert default.model_timeout == 60.0
    assert parse("--model-check").model_check is True
    assert parse("--no-model-check", "--json").model_check is False
    assert parse("--server", "s1", "--model-timeout", "5").model_timeout == 5.0
