"""The translations pull request for real: `update-translations` on the sandbox server pushes
server-translations to the bare repository, and TranslationPulls opens, reads and merges the PR
through the GitHub stand-in over that repository; then the server fast-forwards as pm2-deploy
does. Plus GitHub's refusals and failures, each with its own words and in bounded time."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

import pytest
from github_helpers import GitHubForTests, github_fixture, sync_app  # noqa: F401
from sandbox import Sandbox

from ereg_desktop.services.github.errors import (
    GitHubUnreachable,
    MergeRefused,
    TokenInvalid,
)

APP = "proto"  # in no inventory: the other tests do not read its GitHub side


@pytest.fixture
def tag() -> str:
    """Values no earlier test (of this session) has written."""
    return secrets.token_hex(4)


def not_owned_by(user_uid: int, repo: Path) -> list[str]:
    out = []
    for folder, dirs, files in os.walk(repo):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if os.lstat(path).st_uid != user_uid:
                out.append(path)
    return out


def test_the_pull_request_is_opened_read_merged_and_deployed(
    github: GitHubForTests, sandbox: Sandbox, tag: str
) -> None:
    server_file = github.write_translations(APP, {"Submit": f"Mandar {tag}", "New key": "Nueva"})
    server_blob = sandbox.git(APP, "hash-object", str(server_file))  # what the review saw
    server_bytes = server_file.read_bytes()
    head = github.update_translations(APP)
    master = sandbox.origin_head(APP)
    pulls = github.pulls(APP)
    assert pulls.check_token() == "ereg-tester"

    pr = pulls.find_or_open()
    assert pr is not None and pr.number == 1 and pr.head_sha == head and pr.base == "master"
    assert pr.url == f"{github.url}/egov/{APP}/pull/1"
    assert pulls.find_or_open() == pulls.refresh(pr)  # found, not opened again
    [changed] = pulls.files(pr)
    assert (changed.path, changed.status, changed.blob_sha) == (
        "i18n-messages.json", "modified", server_blob,
    )  # fmt: skip
    assert changed.patch is not None and '+  "New key": "Nueva"' in changed.patch
    assert pulls.content("i18n-messages.json", pr.head_sha) == server_bytes
    assert pulls.content("i18n-messages.json", master) != server_bytes

    ready = pulls.wait_mergeable(pr, deadline_s=10, poll_s=0.1)
    assert (ready.mergeable, ready.mergeable_state) == (True, "clean")
    sha = pulls.merge(ready, message="Reviewed in ereg-desktop")
    repo = sandbox.bare_repo(APP)
    assert sandbox.git(repo, "rev-list", "--parents", "-n", "1", sha).split()[1:] == [master, head]
    assert sandbox.origin_head(APP) == sha
    assert sandbox.origin_head(APP, "server-translations") == head  # the branch is kept
    assert not_owned_by(sandbox.uid, repo) == []  # the user can go on pushing
    done = pulls.refresh(pr)
    assert (done.state, done.merged, done.merge_commit_sha) == ("closed", True, sha)

    # pm2-deploy's step on the server: the merge commit is a fast-forward of ~/APP
    sandbox.git(APP, "fetch", "-q", "origin")
    res = sandbox.run_as_user(["git", "merge", "--ff-only", "origin/master"], login=False,
                              cwd=sandbox.app_dir(APP))  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert sandbox.head(APP) == sha and sandbox.git(APP, "status", "--porcelain") == ""
    assert server_file.read_bytes() == server_bytes == pulls.content("i18n-messages.json", sha)
    assert pulls.find_or_open() is None  # nothing ahead of master now


def test_nothing_ahead_opens_nothing(github: GitHubForTests, sandbox: Sandbox) -> None:
    github.touch(APP)
    sync_app(sandbox, APP)
    sandbox.git(APP, "push", "-q", "-f", "origin", "master:server-translations")
    assert github.pulls(APP).find_or_open() is None
    assert github.standin.pull_numbers(github.repository(APP)) == []


def test_mergeable_is_waited_for(github: GitHubForTests, tag: str) -> None:
    github.stage_translations(APP, {"Submit": f"Expedir {tag}"})
    github.standin.mergeable_delay = 3
    pulls = github.pulls(APP)
    pr = pulls.find_or_open()
    assert pr is not None and pr.mergeable is None
    assert pulls.refresh(pr).mergeable_state == "unknown"
    ready = pulls.wait_mergeable(pr, deadline_s=10, poll_s=0.05)
    assert (ready.mergeable, ready.mergeable_state) == (True, "clean")
    gets = [p for m, p in github.standin.requests if m == "GET" and p.endswith("/pulls/1")]
    assert len(gets) >= 4  # the three unknown answers were polled through


def test_conflicts_are_dirty_and_not_merged(
    github: GitHubForTests, sandbox: Sandbox, tag: str
) -> None:
    github.stage_translations(APP, {"Submit": f"Mandar {tag}"})
    staged = sandbox.git(sandbox.bare_repo(APP), "show", "server-translations:i18n-messages.json")
    clashing = staged.replace(f'"Mandar {tag}"', f'"Remitir {tag}"') + "\n"
    before = sandbox.push_commit(APP, {"i18n-messages.json": clashing}, "an edit on master")
    pulls = github.pulls(APP)
    pr = pulls.find_or_open()
    assert pr is not None
    dirty = pulls.wait_mergeable(pr, deadline_s=10, poll_s=0.05)
    assert (dirty.mergeable, dirty.mergeable_state) == (False, "dirty")
    with pytest.raises(MergeRefused) as refused:
        pulls.merge(dirty)
    assert refused.value.why == "dirty" and "conflicts" in str(refused.value)
    assert sandbox.origin_head(APP) == before


def test_a_push_after_the_review_is_not_merged(
    github: GitHubForTests, sandbox: Sandbox, tag: str
) -> None:
    github.stage_translations(APP, {"Submit": f"Mandar {tag}"})
    pulls = github.pulls(APP)
    pr = pulls.find_or_open()
    assert pr is not None
    moved = github.stage_translations(APP, {"Submit": f"Mandar {tag}", "Late key": "Tarde"})
    assert moved != pr.head_sha
    before = sandbox.origin_head(APP)
    with pytest.raises(MergeRefused) as refused:
        pulls.merge(pr)
    assert refused.value.why == "head-moved" and "review it again" in str(refused.value)
    assert sandbox.origin_head(APP) == before
    assert pulls.refresh(pr).head_sha == moved  # the same PR, with the new head


def test_merged_on_the_website_is_seen(github: GitHubForTests, sandbox: Sandbox, tag: str) -> None:
    head = github.stage_translations(APP, {"Submit": f"Remitir {tag}"})
    pulls = github.pulls(APP)
    pr = pulls.find_or_open()
    assert pr is not None
    sha = github.standin.merged_by_someone(github.repository(APP), pr.number, login="maria")
    seen = pulls.refresh(pr)
    assert (seen.merged, seen.state, seen.merge_commit_sha) == (True, "closed", sha)
    assert sandbox.git(sandbox.bare_repo(APP), "rev-parse", f"{sha}^2") == head
    assert not_owned_by(sandbox.uid, sandbox.bare_repo(APP)) == []


def test_a_bad_token_is_refused(github: GitHubForTests) -> None:
    wrong = "ghp_revokedLongAgo0123456789abcdef"
    with pytest.raises(TokenInvalid) as refused:
        github.pulls(APP, token=wrong).find_or_open()
    assert "Bad credentials" in str(refused.value) and wrong not in str(refused.value)


@pytest.mark.parametrize("how", ["down", "stopped"])
def test_an_unreachable_github_is_said_within_seconds(github: GitHubForTests, how: str) -> None:
    pulls = github.pulls(APP, timeout_s=5)
    assert pulls.check_token() == "ereg-tester"
    url = github.url
    if how == "down":
        github.standin.down = True
    else:
        github.standin.stop()
    started = time.monotonic()
    with pytest.raises(GitHubUnreachable) as unreachable:
        pulls.find_or_open()
    took = time.monotonic() - started
    assert took < 5, f"{took:.1f} s"  # two quick retries, not PyGithub's minute of them
    assert url in str(unreachable.value) and github.token not in str(unreachable.value)


def test_git_runs_as_the_repositories_user(
    github: GitHubForTests, sandbox: Sandbox, tag: str
) -> None:
    """Objects the stand-in writes (its merge) belong to the user, whose next push works."""
    github.stage_translations(APP, {"Submit": f"Despachar {tag}"})
    pulls = github.pulls(APP)
    pr = pulls.find_or_open()
    assert pr is not None
    pulls.merge(pulls.wait_mergeable(pr, deadline_s=10, poll_s=0.05))
    owners = {os.lstat(p).st_uid for p in sandbox.bare_repo(APP).rglob("*")}
    assert owners == {sandbox.uid}
    after = github.stage_translations(APP, {"Submit": f"Enviar {tag}"})  # a push by the user
    assert after == sandbox.origin_head(APP, "server-translations")
