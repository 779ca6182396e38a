"""The GitHub stand-in and TranslationPulls against it, over a local bare repository (git as the
current user): the REST shapes PyGithub reads, real merge commits, the fault knobs, and the
client's errors, waits and retries."""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ereg_desktop.demo.github_standin import GitHubStandIn
from ereg_desktop.services.github.errors import (
    GitHubRateLimited,
    GitHubUnreachable,
    MergeRefused,
    RepositoryNotFound,
    TokenInvalid,
)
from ereg_desktop.services.github.pulls import TranslationPulls

TOKEN = "ghp_unitTestToken0123456789abcdefABCDEF"
REPO = "egov/demo"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Server",
    "GIT_AUTHOR_EMAIL": "server@example.invalid",
    "GIT_COMMITTER_NAME": "Server",
    "GIT_COMMITTER_EMAIL": "server@example.invalid",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
}
MESSAGES = '{\n  "Submit": "Enviar",\n  "legend": "Leyenda"\n}\n'


class Clone:
    """A working clone of the bare repository, as the server's app folder would be."""

    def __init__(self, bare: Path, work: Path) -> None:
        self.bare, self.work = bare, work

    def git(self, *args: str, where: Path | None = None) -> str:
        res = subprocess.run(["git", "-C", str(where or self.work), *args], env=GIT_ENV,
                             capture_output=True, text=True, check=True)  # fmt: skip
        return res.stdout.strip()

    def commit(self, files: dict[str, str | None], message: str, branch: str) -> str:
        self.git("checkout", "-q", "-B", branch, f"origin/{branch}" if self.has(branch) else "HEAD")
        for rel, text in files.items():
            path = self.work / rel
            if text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        self.git("push", "-q", "-f", "origin", f"HEAD:{branch}")
        return self.git("rev-parse", "HEAD")

    def has(self, branch: str) -> bool:
        self.git("fetch", "-q", "origin")
        return bool(self.git("branch", "-r", "--list", f"origin/{branch}"))

    def bare_git(self, *args: str) -> str:
        return self.git(*args, where=self.bare)

    def translations(self, text: str) -> str:
        """update-translations: the branch server-translations = master + this file."""
        self.git("fetch", "-q", "origin")
        self.git("checkout", "-q", "-B", "server-translations", "origin/master")
        (self.work / "i18n-messages.json").write_text(text, encoding="utf-8")
        self.git("commit", "-q", "-am", "Update translations")
        self.git("push", "-q", "-f", "origin", "server-translations")
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def clone(tmp_path: Path) -> Clone:
    bare, work = tmp_path / "demo.git", tmp_path / "work"
    subprocess.run(
        ["git", "init", "-q", "--bare", "-b", "master", str(bare)], check=True, env=GIT_ENV
    )
    subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True, env=GIT_ENV,
                   capture_output=True)  # fmt: skip
    c = Clone(bare, work)
    c.git("checkout", "-q", "-b", "master")
    (work / "i18n-messages.json").write_text(MESSAGES, encoding="utf-8")
    (work / "README.md").write_text("demo\n")
    c.git("add", "-A")
    c.git("commit", "-q", "-m", "Initial commit")
    c.git("push", "-q", "origin", "master")
    return c


@pytest.fixture
def standin(clone: Clone) -> Iterator[GitHubStandIn]:
    with GitHubStandIn({REPO: clone.bare}, {TOKEN: "ereg-bot"}) as s:
        yield s


def pulls(
    standin: GitHubStandIn, token: str = TOKEN, repo: str = REPO, **kw: float
) -> TranslationPulls:
    return TranslationPulls(repo, token, api_url=standin.url, **kw)  # type: ignore[arg-type]


def raw(standin: GitHubStandIn, method: str, path: str, body: object = None,
        token: str | None = TOKEN) -> tuple[int, object, dict[str, str]]:  # fmt: skip
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(standin.url + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read()
            return r.status, json.loads(text) if text else None, dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), dict(e.headers)


def test_open_read_and_merge_a_pull_request_for_real(standin: GitHubStandIn, clone: Clone) -> None:
    new = MESSAGES.replace("Enviar", "Mandar")
    head = clone.translations(new)
    master = clone.bare_git("rev-parse", "master")
    client = pulls(standin)
    pr = client.find_or_open()
    assert pr is not None and pr.number == 1 and pr.head_sha == head and pr.base == "master"
    assert pr.url == f"{standin.url}/{REPO}/pull/1" and pr.state == "open" and not pr.merged
    assert client.find_or_open() == client.refresh(pr)  # found again, not opened twice
    assert standin.pull_numbers(REPO) == [1]
    [changed] = client.files(pr)
    blob = subprocess.run(["git", "hash-object", "--stdin"], input=new.encode(),
                          capture_output=True, check=True).stdout.decode().strip()  # fmt: skip
    assert (changed.path, changed.status, changed.blob_sha) == (
        "i18n-messages.json",
        "modified",
        blob,
    )
    assert changed.patch is not None and '+  "Submit": "Mandar",' in changed.patch
    assert changed.patch.startswith("@@ ")
    assert client.content("i18n-messages.json", pr.head_sha) == new.encode()
    assert client.content("i18n-messages.json", "master") == MESSAGES.encode()
    assert client.content("absent.json", pr.head_sha) is None
    assert client.content("i18n-messages.json", "no-such-ref") is None
    ready = client.wait_mergeable(pr, deadline_s=5, poll_s=0.05)
    assert (ready.mergeable, ready.mergeable_state) == (True, "clean")

    sha = client.merge(ready, message="Reviewed in ereg-desktop")
    parents = clone.bare_git("rev-list", "--parents", "-n", "1", sha).split()[1:]
    assert parents == [master, head]
    assert clone.bare_git("rev-parse", "master") == sha
    assert clone.bare_git("rev-parse", "server-translations") == head  # the branch is kept
    assert "Reviewed in ereg-desktop" in clone.bare_git("log", "-1", "--format=%B", sha)
    done = client.refresh(pr)
    assert (done.state, done.merged, done.merge_commit_sha) == ("closed", True, sha)
    assert client.find_or_open() is None  # nothing ahead any more
    with pytest.raises(MergeRefused) as again:
        client.merge(ready)
    assert again.value.why == "not-mergeable"


def test_nothing_ahead_or_no_branch_opens_nothing(standin: GitHubStandIn, clone: Clone) -> None:
    client = pulls(standin)
    assert client.find_or_open() is None  # no branch server-translations
    clone.git("push", "-q", "origin", "master:server-translations")
    assert client.find_or_open() is None  # a branch, but nothing master lacks
    assert standin.pull_numbers(REPO) == []


def test_files_are_paginated_with_link_headers(standin: GitHubStandIn, clone: Clone) -> None:
    files: dict[str, str | None] = {f"data/f{i:03}.json": f"{i}\n" for i in range(130)}
    clone.commit(files, "many files", "server-translations")
    client = pulls(standin)
    pr = client.find_or_open()
    assert pr is not None
    listed = client.files(pr)
    assert sorted(f.path for f in listed) == sorted(files)
    assert all(f.status == "added" and f.blob_sha for f in listed)
    pages = [p for m, p in standin.requests if "/pulls/1/files" in p]
    assert len(pages) == 2 and "page=2" in pages[1]  # 100 a page, the second from Link
    status, body, headers = raw(standin, "GET", f"/repos/{REPO}/pulls/1/files?per_page=50&page=2")
    assert status == 200 and isinstance(body, list) and len(body) == 50
    assert 'rel="next"' in headers["Link"] and 'rel="prev"' in headers["Link"]


def test_mergeable_is_unknown_for_the_first_gets(standin: GitHubStandIn, clone: Clone) -> None:
    clone.translations(MESSAGES.replace("Enviar", "Mandar"))
    standin.mergeable_delay = 3
    client = pulls(standin)
    pr = client.find_or_open()
    assert pr is not None and pr.mergeable is None  # the creation's answer
    first = client.refresh(pr)
    assert (first.mergeable, first.mergeable_state) == (None, "unknown")
    seen: list[int] = []
    ready = client.wait_mergeable(pr, deadline_s=10, poll_s=0.01)
    seen.append(sum(1 for m, p in standin.requests if m == "GET" and p.endswith("/pulls/1")))
    assert (ready.mergeable, ready.mergeable_state) == (True, "clean")
    assert seen == [4]  # three unknown answers, then the computed one
    standin.mergeable_delay = 100
    assert client.wait_mergeable(pr, deadline_s=0.3, poll_s=0.05).mergeable is None  # gave up
    cancelled = client.wait_mergeable(pr, deadline_s=30, poll_s=5, cancelled=lambda: True)
    assert cancelled.mergeable is None


def test_conflicts_make_it_dirty_and_the_merge_is_refused(
    standin: GitHubStandIn, clone: Clone
) -> None:
    clone.translations(MESSAGES.replace("Enviar", "Mandar"))
    clone.git("checkout", "-q", "-B", "master", "origin/master")
    clone.commit(
        {"i18n-messages.json": MESSAGES.replace("Enviar", "Remitir")}, "meanwhile", "master"
    )
    client = pulls(standin)
    pr = client.find_or_open()
    assert pr is not None
    dirty = client.wait_mergeable(pr, deadline_s=5, poll_s=0.05)
    assert (dirty.mergeable, dirty.mergeable_state) == (False, "dirty")
    before = clone.bare_git("rev-parse", "master")
    with pytest.raises(MergeRefused) as refused:
        client.merge(dirty)
    assert refused.value.why == "dirty" and pr.url in str(refused.value)
    assert clone.bare_git("rev-parse", "master") == before


def test_a_head_that_moved_is_not_merged(standin: GitHubStandIn, clone: Clone) -> None:
    clone.translations(MESSAGES.replace("Enviar", "Mandar"))
    client = pulls(standin)
    pr = client.find_or_open()
    assert pr is not None
    clone.commit({"data/late.json": "{}\n"}, "pushed after the review", "server-translations")
    before = clone.bare_git("rev-parse", "master")
    with pytest.raises(MergeRefused) as refused:
        client.merge(pr)
    assert refused.value.why == "head-moved"
    assert clone.bare_git("rev-parse", "master") == before


def test_bad_merge_bodies_and_refusals(standin: GitHubStandIn, clone: Clone) -> None:
    clone.translations(MESSAGES.replace("Enviar", "Mandar"))
    client = pulls(standin)
    pr = client.find_or_open()
    assert pr is not None
    path = f"/repos/{REPO}/pulls/1/merge"
    assert raw(standin, "PUT", path, {"merge_method": "fast"})[0] == 422
    assert raw(standin, "PUT", path, {"sha": 7})[0] == 422
    assert raw(standin, "PUT", path, {"merge_method": "squash"})[0] == 422  # merge commits only
    assert raw(standin, "PUT", path, ["not", "an", "object"])[0] == 400
    standin.refuse_merge = 422
    with pytest.raises(MergeRefused) as refused:
        client.merge(pr)
    assert refused.value.why == "validation" and standin.refuse_merge is None  # one merge only
    standin.protected = True
    assert client.refresh(pr).mergeable_state == "blocked"
    with pytest.raises(MergeRefused) as blocked:
        client.merge(pr)
    assert blocked.value.why == "blocked" and "approving review" in str(blocked.value)
    standin.protected = False
    assert client.merge(pr) == clone.bare_git("rev-parse", "master")


def test_merged_on_the_website_is_seen(standin: GitHubStandIn, clone: Clone) -> None:
    head = clone.translations(MESSAGES.replace("Enviar", "Mandar"))
    client = pulls(standin)
    pr = client.find_or_open()
    assert pr is not None
    sha = standin.merged_by_someone(REPO, pr.number, login="maria")
    seen = client.refresh(pr)
    assert (seen.merged, seen.state, seen.merge_commit_sha, seen.head_sha) == (
        True,
        "closed",
        sha,
        head,
    )
    assert clone.bare_git("rev-list", "--parents", "-n", "1", sha).split()[2] == head


def test_merging_without_merge_tree_in_a_clone(clone: Clone) -> None:
    """Git before 2.38: the stand-in merges in a temporary clone (same results)."""
    with GitHubStandIn({REPO: clone.bare}, [TOKEN], merge_tree=False) as standin:
        head = clone.translations(MESSAGES.replace("Enviar", "Mandar"))
        client = pulls(standin)
        assert client.check_token() == "translations-bot"
        pr = client.find_or_open()
        assert pr is not None
        ready = client.wait_mergeable(pr, deadline_s=5, poll_s=0.05)
        assert ready.mergeable is True
        sha = client.merge(ready)
        assert clone.bare_git("rev-list", "--parents", "-n", "1", sha).split()[1:] == [
            clone.bare_git("rev-parse", f"{sha}^1"), head
        ]  # fmt: skip
        assert clone.bare_git("rev-parse", "master") == sha


def test_tokens_the_stand_in_does_not_accept(standin: GitHubStandIn) -> None:
    assert raw(standin, "GET", "/user", token=None)[:2] == (401, {"message": "Requires authentication", "documentation_url": "https://docs.github.com/rest"})  # fmt: skip
    assert raw(standin, "GET", "/user")[1]["login"] == "ereg-bot"  # type: ignore[index]
    wrong = "ghp_wrongWrongWrong0123456789"
    with pytest.raises(TokenInvalid) as refused:
        pulls(standin, token=wrong).check_token()
    assert "Bad credentials" in str(refused.value) and wrong not in str(refused.value)
    with pytest.raises(TokenInvalid):
        pulls(standin, token=wrong).find_or_open()
    with pytest.raises(TokenInvalid) as malformed:
        pulls(standin, token="ghp_abc\ndef")
    assert "not a GitHub token" in str(malformed.value) and "ghp_abc" not in str(malformed.value)


def test_an_unknown_repository_is_named(standin: GitHubStandIn) -> None:
    with pytest.raises(RepositoryNotFound) as missing:
        pulls(standin, repo="egov/nothing").find_or_open()
    assert "'egov/nothing'" in str(missing.value) and "access" in str(missing.value)


@pytest.mark.parametrize("how", ["503", "close", "stopped"])
def test_a_dead_github_is_said_quickly_after_the_deliberate_retries(
    standin: GitHubStandIn, how: str
) -> None:
    client = pulls(standin, timeout_s=5)
    assert client.check_token() == "ereg-bot"  # a kept-alive connection exists now
    url = standin.url
    if how == "stopped":
        standin.stop()
    else:
        standin.down, standin.down_how = True, how
    count = len(standin.requests)
    started = time.monotonic()
    with pytest.raises(GitHubUnreachable) as unreachable:
        client.check_token()
    took = time.monotonic() - started
    assert took < 4, took  # 3 attempts, 0 s and 1 s apart; never the minutes of the defaults
    assert url in str(unreachable.value)
    if how != "stopped":
        assert len(standin.requests) - count == 3  # the first try and the two retries
    if how == "503":
        assert "HTTP 503" in str(unreachable.value)


def test_the_rate_limit_says_until_when(standin: GitHubStandIn) -> None:
    standin.rate_limited = True
    with pytest.raises(GitHubRateLimited) as limited:
        pulls(standin).check_token()
    assert limited.value.until is not None and limited.value.until.endswith(" UTC")
    assert len(standin.requests) == 1  # a 403 is not retried


def test_big_files_are_read_as_blobs(standin: GitHubStandIn, clone: Clone) -> None:
    big = "{\n" + ",\n".join(f'  "k{i}": "v{i}"' for i in range(3000)) + "\n}\n"
    head = clone.translations(big)
    standin.contents_limit = 1000
    client = pulls(standin)
    assert client.content("i18n-messages.json", head) == big.encode()
    assert any("/git/blobs/" in p for m, p in standin.requests)
    pr = client.find_or_open()
    assert pr is not None
    [changed] = client.files(pr)
    assert changed.patch is None and changed.blob_sha  # too large a diff: no patch, like GitHub


def test_concurrent_desktops_open_one_pull_request(standin: GitHubStandIn, clone: Clone) -> None:
    clone.translations(MESSAGES.replace("Enviar", "Mandar"))
    go = threading.Barrier(4)
    numbers: list[int] = []

    def one() -> None:
        client = pulls(standin)
        go.wait(10)
        pr = client.find_or_open()
        assert pr is not None
        numbers.append(pr.number)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert numbers == [1, 1, 1, 1] and standin.pull_numbers(REPO) == [1]


def test_the_token_is_in_no_message_repr_or_log(
    standin: GitHubStandIn, clone: Clone, caplog: pytest.LogCaptureFixture
) -> None:
    clone.translations(MESSAGES.replace("Enviar", "Mandar"))
    caplog.set_level(logging.DEBUG)
    client = pulls(standin)
    pr = client.find_or_open()
    assert pr is not None
    client.files(pr)
    client.merge(client.wait_mergeable(pr, deadline_s=5, poll_s=0.05))
    standin.down = True
    with pytest.raises(GitHubUnreachable) as down:
        client.refresh(pr)
    assert TOKEN not in repr(client) and TOKEN not in str(client)
    assert TOKEN not in str(down.value) and down.value.__cause__ is None
    assert caplog.records and not [r for r in caplog.records if TOKEN in r.getMessage()]


def test_a_merge_whose_answer_is_lost_is_read_back(standin: GitHubStandIn, clone: Clone) -> None:
    """The PUT is not retried (a retry would be refused as already merged): the PR is read."""
    head = clone.translations(MESSAGES.replace("Enviar", "Mandar"))
    client = pulls(standin)
    pr = client.find_or_open()
    assert pr is not None
    standin.lose_answer = "PUT"
    sha = client.merge(client.wait_mergeable(pr, deadline_s=5, poll_s=0.05))
    assert (
        sha == clone.bare_git("rev-parse", "master") and f"{sha}^2" and standin.lose_answer is None
    )
    assert clone.bare_git("rev-parse", f"{sha}^2") == head
    assert [m for m, p in standin.requests if m == "PUT"] == ["PUT"]  # sent once


def test_a_merge_that_cannot_reach_github_says_nothing_was_merged(
    standin: GitHubStandIn, clone: Clone
) -> None:
    clone.translations(MESSAGES.replace("Enviar", "Mandar"))
    client = pulls(standin)
    pr = client.find_or_open()
    assert pr is not None
    before = clone.bare_git("rev-parse", "master")
    standin.stop()
    with pytest.raises(GitHubUnreachable) as unreachable:
        client.merge(pr)
    assert "Nothing was sent" in str(unreachable.value) and pr.url in str(unreachable.value)
    assert clone.bare_git("rev-parse", "master") == before
