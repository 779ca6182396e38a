"""The translation review's server side against the real sandbox: the one-trip read of the
pending files, the model-load check with the real node while the app runs, the atomic write-back.

All on ``proto`` (in no inventory): each test leaves its working tree as it found it (clean)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_helpers import make_ref, shell
from sandbox.apps import SCAN_MAP, i18n_messages, panel_json

from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.deploy.connect import ServerShell
from ereg_desktop.services.deploy.model_check import model_check
from ereg_desktop.services.deploy.translations_read import (
    current_blobs,
    read_pending,
    review_of,
)
from ereg_desktop.services.deploy.translations_write import FilesChangedMeanwhile, write_back
from ereg_desktop.services.i18n.findings import CheckId, Severity
from ereg_desktop.services.i18n.messages_file import parse_messages, serialize_messages

APP = "proto"
HOSTILE_NAME = "data/a b $(touch pwned).json"


def restore(box: Any) -> None:
    box.run_as_user("git reset -q --hard HEAD && git clean -fdq -- data server i18n-messages.json",
                    login=False, cwd=box.app_dir(APP), check=True)  # fmt: skip


def from_the_base(box: Any) -> None:
    """~/proto clean, at origin/master, whose translations are the sandbox's first ones: other
    tests (the GitHub pull requests) merge theirs into proto's master, and these tests compare
    with the first ones. When they differ, a commit puts them back on master (pushed, so
    pm2-deploy still fast-forwards)."""
    restore(box)
    box.git(APP, "fetch", "-q", "origin")
    box.git(APP, "reset", "-q", "--hard", "origin/master")
    base = panel_json(i18n_messages(APP))
    if box.git(APP, "show", "HEAD:i18n-messages.json") != base.rstrip("\n"):
        box.write_app_file(APP, "i18n-messages.json", base)
        box.git(APP, "commit", "-q", "-m", "tests: the first translations again", "--",
                "i18n-messages.json")  # fmt: skip
        box.git(APP, "push", "-q", "origin", "HEAD:master")
        box.run_as_user(["pm2", "restart", APP], check=True)  # it runs what HEAD is, as before
        box.wait_all_online()


@pytest.fixture
def app(sandbox: Any) -> Iterator[Path]:
    """~/proto, clean before and after, at the sandbox's first translations."""
    from_the_base(sandbox)
    yield Path(sandbox.app_dir(APP))
    restore(sandbox)


@pytest.fixture
def sh(sandbox: Any, pool: ConnectionPool) -> ServerShell:
    return shell(pool, make_ref(sandbox, APP))


def hash_object(box: Any, rel: str) -> str:
    """`git hash-object` run as the user in ~/proto."""
    return str(box.git(APP, "hash-object", "--", rel))


def messages(**change: str) -> str:
    return panel_json({**i18n_messages(APP), **change})


def tmp_files(box: Any) -> list[str]:
    d = Path(box.home) / ".ereg-desktop/tmp"
    return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


def test_the_sandbox_file_is_in_the_panel_layout(sandbox: Any, app: Path) -> None:
    text = (app / "i18n-messages.json").read_text()
    assert text == panel_json(i18n_messages(APP))
    assert text.startswith('{\n  "Business registration": ') and text.endswith('"\n}\n')
    assert sandbox.git(APP, "status", "--porcelain") == ""  # the scan map is excluded
    assert (app / SCAN_MAP).is_file() and (app / "server/model.js").is_file()
    data = text.encode()
    assert serialize_messages(parse_messages(data)) == data  # the review's writer agrees


@pytest.mark.hostile(area="translations read", tried="over the real sshd: an untracked "
                     "data/ file named 'a b $(touch pwned).json', a binary one, a deleted one",
                     outcome="read under their exact names, blobs equal to `git hash-object` "
                     "on the server; nothing in a name runs")  # fmt: skip
def test_read_pending_reads_the_servers_files_exactly(
    sandbox: Any, app: Path, sh: ServerShell
) -> None:
    committed = (app / "i18n-messages.json").read_bytes()
    new = messages(legend="Ley\nenda", **{"New key": "Nueva clave"})
    sandbox.write_app_file(APP, "i18n-messages.json", new)
    (app / "data/global.json").unlink()
    sandbox.write_app_file(APP, HOSTILE_NAME, '{"hostile": true}\n')
    sandbox.write_app_bytes(APP, "data/img/logo.png", b"\x89PNG\r\n\x1a\n\x00\xff" * 10)

    p = read_pending(sh, APP)

    assert p.app == APP and p.committed == committed and p.current == new.encode()
    assert p.scan_map == (app / SCAN_MAP).read_bytes()
    assert set(p.blobs) == {"i18n-messages.json", "data/global.json", HOSTILE_NAME,
                            "data/img/logo.png"}  # fmt: skip
    assert p.blobs["data/global.json"] is None
    for rel in ("i18n-messages.json", HOSTILE_NAME, "data/img/logo.png"):
        assert p.blobs[rel] == hash_object(sandbox, rel), rel
    diffs = {d.path: d for d in p.data_diffs}
    assert diffs["data/global.json"].status == "deleted"
    assert '-  "system": "proto",' in diffs["data/global.json"].unified
    assert diffs[HOSTILE_NAME].status == "added"
    assert '+{"hostile": true}' in diffs[HOSTILE_NAME].unified
    assert diffs["data/img/logo.png"].binary and diffs["data/img/logo.png"].status == "added"
    assert not list(Path(sandbox.home).rglob("pwned"))

    review = review_of(p)
    assert [c.key for c in review.changes] == ["legend", "New key"]
    stringline = [f for f in review.findings if f.check == CheckId.STRINGLINE]
    assert [(f.key, f.where) for f in stringline] == [("legend", "/model/documents/legend.js:8")]
    assert review.reviewed_blobs == p.blobs and review.data_diffs == p.data_diffs
    assert review.has_scan_map and review.old_bytes == committed

    # the data file back and modified: a modified diff; the cheap recheck agrees, then differs
    sandbox.git(APP, "checkout", "--", "data/global.json")
    sandbox.write_app_file(APP, "data/global.json", '{"system": "proto", "currency": "EUR"}\n')
    again = read_pending(sh, APP)
    assert {d.path: d.status for d in again.data_diffs}["data/global.json"] == "modified"
    assert current_blobs(sh, APP, list(again.blobs)) == again.blobs
    sandbox.write_app_file(APP, HOSTILE_NAME, '{"hostile": "changed"}\n')
    (app / "data/img/logo.png").unlink()
    now = current_blobs(sh, APP, list(again.blobs))
    assert now[HOSTILE_NAME] == hash_object(sandbox, HOSTILE_NAME) != again.blobs[HOSTILE_NAME]
    assert now["data/img/logo.png"] is None
    assert now["i18n-messages.json"] == again.blobs["i18n-messages.json"]


def test_nothing_pending(sandbox: Any, app: Path, sh: ServerShell) -> None:
    p = read_pending(sh, APP)
    assert p.nothing_pending and p.committed == p.current and p.data_diffs == ()


def test_a_large_file_is_read_whole(sandbox: Any, app: Path, sh: ServerShell) -> None:
    big = {f"Message number {i}": f"Mensaje número {i} " + "x" * 60 for i in range(40000)}
    text = messages(**big)
    assert len(text.encode()) > 3 << 20
    sandbox.write_app_file(APP, "i18n-messages.json", text)
    p = read_pending(sh, APP)
    assert p.current == text.encode()
    assert p.blobs["i18n-messages.json"] == hash_object(sandbox, "i18n-messages.json")


# ----- the model check -----------------------------------------------------------------------


def _untouched(box: Any, app: Path) -> tuple[bytes, int]:
    return (app / "i18n-messages.json").read_bytes(), int(box.pm2_process(APP)["pid"])


def test_the_model_check_fires_on_a_label_with_a_line_break(
    sandbox: Any, app: Path, sh: ServerShell
) -> None:
    sandbox.wait_online(APP)
    before = _untouched(sandbox, app)
    candidate = messages(legend="Ley\nenda").encode()
    check = model_check(sh, APP, candidate, timeout_s=30)
    assert check.ran and not check.ok and not check.timed_out
    assert "doesn't match pattern" in check.message and "Ley\\nenda" in check.message
    finding = check.finding()
    assert finding is not None and finding.key is None
    assert (finding.check, finding.severity) == (CheckId.MODEL_LOAD, Severity.ERROR)
    assert _untouched(sandbox, app) == before  # the real file and the running app
    assert sandbox.pm2_status(APP) == "online"
    assert tmp_files(sandbox) == []


def test_the_model_check_passes_a_harmless_change(sandbox: Any, app: Path, sh: ServerShell) -> None:
    before = _untouched(sandbox, app)
    # a line break in a message that is not a model label is fine for the model
    candidate = messages(legend="Leyenda nueva", Submit="Enviar\nahora").encode()
    check = model_check(sh, APP, candidate, timeout_s=30)
    assert check.ran and check.ok and check.finding() is None, check
    assert check.message == "the model loads with these translations"
    assert _untouched(sandbox, app) == before and tmp_files(sandbox) == []


def test_the_model_check_uses_the_candidate_not_the_file(
    sandbox: Any, app: Path, sh: ServerShell
) -> None:
    """The file on the server is broken, the candidate fine: the candidate is what loads."""
    sandbox.write_app_file(APP, "i18n-messages.json", messages(legend="a\u2028b"))
    assert model_check(sh, APP, messages().encode(), timeout_s=30).ok
    assert not model_check(sh, APP, messages(legend="a\u2028b").encode(), timeout_s=30).ok


def test_the_model_check_says_it_could_not_run_without_a_model(
    sandbox: Any, app: Path, sh: ServerShell
) -> None:
    (app / "server/model.js").unlink()
    check = model_check(sh, APP, messages(legend="Ley\nenda").encode(), timeout_s=30)
    assert not check.ran and check.finding() is None
    assert check.message == "could not run: no server/model.js"


def test_a_model_that_never_loads_times_out(sandbox: Any, app: Path, sh: ServerShell) -> None:
    sandbox.write_app_file(APP, "server/model.js", "'use strict';\nfor (;;) {}\n")
    before = _untouched(sandbox, app)
    check = model_check(sh, APP, messages().encode(), timeout_s=1.5)
    assert check.ran and check.timed_out and not check.ok
    assert check.message == "the model did not finish loading within 1.5 s (timed out)"
    assert check.finding() is not None
    assert 1.5 <= check.seconds < 15
    assert _untouched(sandbox, app) == before and tmp_files(sandbox) == []
    left = sandbox.run_as_user(
        "pgrep -u \"$USER\" -f '[f]s.readFileSync = function' || true", login=False
    )
    assert left.stdout.strip() == ""  # `timeout` ended the node process


# ----- the write-back -------------------------------------------------------------------------


def test_write_back_replaces_the_file_and_keeps_its_mode(
    sandbox: Any, app: Path, sh: ServerShell
) -> None:
    target = app / "i18n-messages.json"
    target.chmod(0o640)
    inode = target.stat().st_ino
    old_blob = hash_object(sandbox, "i18n-messages.json")
    new = messages(legend="Leyenda corregida").encode()
    blob = write_back(sh, APP, new, old_blob)
    assert target.read_bytes() == new and blob == hash_object(sandbox, "i18n-messages.json")
    assert target.stat().st_mode & 0o777 == 0o640 and target.stat().st_uid == sandbox.uid
    assert target.stat().st_ino != inode  # moved in whole, not rewritten in place
    assert [p.name for p in app.iterdir() if p.name.startswith(".i18n-messages")] == []


def test_write_back_is_refused_when_the_file_changed_meanwhile(
    sandbox: Any, app: Path, sh: ServerShell
) -> None:
    reviewed = hash_object(sandbox, "i18n-messages.json")
    meanwhile = messages(legend="saved again in the panel")
    sandbox.write_app_file(APP, "i18n-messages.json", meanwhile)
    with pytest.raises(FilesChangedMeanwhile) as err:
        write_back(sh, APP, messages(legend="mine").encode(), reviewed)
    assert err.value.expected == reviewed
    assert err.value.found == hash_object(sandbox, "i18n-messages.json")
    assert "changed after the review" in str(err.value) and APP in str(err.value)
    assert (app / "i18n-messages.json").read_text() == meanwhile
    assert [p.name for p in app.iterdir() if p.name.startswith(".i18n-messages")] == []


def test_a_reader_never_sees_a_half_written_file(sandbox: Any, app: Path, sh: ServerShell) -> None:
    """While 3 MB files replace each other, every read is one of them whole."""
    versions = [messages(**{f"k{i}": f"{n}" * 70 for i in range(40000)}).encode() for n in "ab"]
    target = app / "i18n-messages.json"
    sandbox.write_app_file(APP, "i18n-messages.json", versions[0].decode())
    expected = {hashlib.sha256(v).hexdigest() for v in versions}
    seen: set[str] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(hashlib.sha256(target.read_bytes()).hexdigest())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        blob = hash_object(sandbox, "i18n-messages.json")
        for i in range(4):
            blob = write_back(sh, APP, versions[(i + 1) % 2], blob)
    finally:
        stop.set()
        reader.join()
    assert seen <= expected and len(seen) == 2
    assert target.read_bytes() == versions[0] and os.access(target, os.R_OK)
