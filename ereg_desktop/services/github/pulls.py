"""The translations pull request on GitHub: find or open it, read its files, wait until GitHub
knows whether it merges, and merge it with a merge commit (the branch is kept: the server goes on
pushing to it, so a squash or a rebase would split it from master).

Every call may raise a :class:`~ereg_desktop.services.github.errors.GitHubProblem`. Blocking
network calls: run them on a worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ereg_desktop.services.github.client import (
    DEFAULT_API_URL,
    check_token,
    check_token_text,
    connect,
    from_status,
    github_errors,
)
from ereg_desktop.services.github.errors import GitHubProblem, GitHubUnreachable, MergeRefused
from ereg_desktop.store.inventory import REPOSITORY_RE

if TYPE_CHECKING:
    import github
    from github.Repository import Repository

HEAD_BRANCH = "server-translations"
BASE_BRANCH = "master"
DEFAULT_TITLE = "Translations and global data from the server"
DEFAULT_BODY = (
    "Opened by ereg-desktop: the translations (i18n-messages.json) and global data (data/) "
    "changed on the server, committed by `update-translations`. Merged with a merge commit; the "
    "branch server-translations is kept."
)


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str  # html_url: the page a person opens
    head_sha: str
    base: str
    state: str  # open, closed
    merged: bool
    mergeable: bool | None  # None: GitHub is still computing it
    mergeable_state: str  # clean, dirty, behind, blocked, unstable, unknown, draft
    merge_commit_sha: str | None


@dataclass(frozen=True)
class PullFile:
    path: str
    status: str  # added, removed, modified, renamed, changed, ...
    blob_sha: str | None  # the file's blob at the head; None when removed
    patch: str | None  # None for binary files and large diffs: diff the contents instead


class TranslationPulls:
    """One repository ("owner/name") through one token. Thread-safe enough for one flow at a time
    (the PyGithub client is built once, under a lock)."""

    def __init__(
        self,
        repository: str,
        token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        timeout_s: float = 15,
        retries: int = 2,
    ) -> None:
        if not REPOSITORY_RE.match(repository or ""):
            raise GitHubProblem(f"{repository!r} is not a GitHub repository name 'owner/name'.")
        self.repository = repository
        self.api_url = api_url.rstrip("/")
        self.timeout_s = timeout_s
        self.retries = retries
        self.__token = check_token_text(token)  # name-mangled, and never in repr()
        self._lock = threading.Lock()
        self._gh: github.Github | None = None
        self._repo: Repository | None = None

    def __enter__(self) -> TranslationPulls:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TranslationPulls({self.repository!r}, api_url={self.api_url!r})"

    # --- plumbing -----------------------------------------------------------------------------

    def _errors(self, what: str, repository: bool = True) -> Any:
        return github_errors(what, self.api_url, self.repository if repository else None)

    def _repository(self) -> Repository:
        with self._lock:
            if self._repo is None:
                gh = connect(self.__token, self.api_url, self.timeout_s, self.retries)
                with self._errors(f"reading {self.repository}"):
                    repo = gh.get_repo(self.repository)
                    repo.complete()  # 404 here: the repository, not a branch or a file
                self._gh, self._repo = gh, repo
            return self._repo

    def close(self) -> None:
        with self._lock:
            if self._gh is not None:
                self._gh.close()
            self._gh = self._repo = None

    @staticmethod
    def _pull(pr: Any) -> PullRequest:
        return PullRequest(
            number=pr.number,
            url=pr.html_url,
            head_sha=pr.head.sha,
            base=pr.base.ref,
            state=pr.state,
            merged=bool(pr.merged),
            mergeable=pr.mergeable,
            mergeable_state=pr.mergeable_state or "unknown",
            merge_commit_sha=pr.merge_commit_sha,
        )

    # --- the API ------------------------------------------------------------------------------

    def check_token(self) -> str:
        """The login the token belongs to (``GET /user``)."""
        return check_token(
            self.__token, api_url=self.api_url, timeout_s=self.timeout_s, retries=self.retries
        )

    def find_or_open(
        self,
        head_branch: str = HEAD_BRANCH,
        base: str = BASE_BRANCH,
        title: str = DEFAULT_TITLE,
        body: str = DEFAULT_BODY,
    ) -> PullRequest | None:
        """The open PR from ``head_branch`` into ``base``, opened if there is none and the branch
        has commits that ``base`` lacks; None when it has none (or does not exist)."""
        import github

        repo = self._repository()
        owner = self.repository.split("/", 1)[0]
        with self._errors(f"listing the pull requests of {self.repository}"):
            for listed in repo.get_pulls(state="open", base=base, head=f"{owner}:{head_branch}"):
                return self.refresh_number(listed.number)
        with self._errors(f"comparing {base} with {head_branch}", repository=False):
            try:
                ahead = repo.compare(base, head_branch).ahead_by
            except github.GithubException as exc:
                if exc.status == 404:  # no such branch: nothing to merge
                    return None
                raise
        if ahead == 0:
            return None
        try:
            with self._errors(f"opening a pull request from {head_branch}"):
                created = repo.create_pull(base=base, head=head_branch, title=title, body=body)
        except GitHubProblem:
            # someone (another desktop) opened it in between: use theirs
            with self._errors(f"listing the pull requests of {self.repository}"):
                for listed in repo.get_pulls(
                    state="open", base=base, head=f"{owner}:{head_branch}"
                ):
                    return self.refresh_number(listed.number)
            raise
        return self._pull(created)

    def refresh(self, pr: PullRequest) -> PullRequest:
        return self.refresh_number(pr.number)

    def refresh_number(self, number: int) -> PullRequest:
        repo = self._repository()
        with self._errors(f"reading pull request #{number}"):
            return self._pull(repo.get_pull(number).complete())

    def files(self, pr: PullRequest) -> list[PullFile]:
        repo = self._repository()
        with self._errors(f"listing the files of pull request #{pr.number}"):
            return [
                PullFile(
                    path=f.filename,
                    status=f.status,
                    blob_sha=None if f.status == "removed" else f.sha,
                    patch=f.patch,
                )
                for f in repo.get_pull(pr.number).get_files()
            ]

    def content(self, path: str, ref: str) -> bytes | None:
        """The file's bytes at ``ref`` (a sha or branch), None when it is absent there (or is a
        folder). Files over GitHub's 1 MB contents limit are read as blobs."""
        import base64

        import github

        repo = self._repository()
        with self._errors(f"reading {path} at {ref[:12]}", repository=False):
            try:
                found = repo.get_contents(path, ref=ref)
            except github.GithubException as exc:
                if exc.status == 404:
                    return None
                raise
            if isinstance(found, list) or found.type != "file":
                return None
            if found.encoding == "base64" and (found.content or found.size == 0):
                return found.decoded_content
            blob = repo.get_git_blob(found.sha)  # over 1 MB: the contents API leaves it out
            return base64.b64decode(blob.content)

    def wait_mergeable(
        self,
        pr: PullRequest,
        *,
        deadline_s: float,
        poll_s: float = 1.0,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> PullRequest:
        """Read the PR until GitHub knows whether it merges (``mergeable`` not None), it is
        closed, ``deadline_s`` seconds have passed, or ``cancelled()``; returns the last read."""
        end = time.monotonic() + deadline_s
        current = self.refresh(pr)
        while current.mergeable is None and current.state == "open" and not cancelled():
            now = time.monotonic()
            if now >= end:
                break
            wake = min(end, now + poll_s)
            while (left := wake - time.monotonic()) > 0:  # short steps: a cancel is seen soon
                if cancelled():
                    return current
                time.sleep(min(0.1, left))
            current = self.refresh(pr)
        return current

    def merge(self, pr: PullRequest, *, message: str = "") -> str:
        """Merge with a merge commit, only if the head is still ``pr.head_sha``; the branch is
        kept. Returns the merge commit's sha; :class:`MergeRefused` says why not."""
        import github
        import requests

        repo = self._repository()
        target = repo.get_pull(pr.number)
        try:
            status = target.merge(
                commit_message=message or github.GithubObject.NotSet,
                merge_method="merge",
                sha=pr.head_sha,
            )
        except github.GithubException as exc:
            raise self._refusal(pr, exc) from None
        except requests.exceptions.RequestException as exc:
            return self._after_lost_answer(pr, exc)
        if not status.merged or not status.sha:
            raise MergeRefused("not-mergeable", pr.url, str(status.message or ""))
        sha: str = status.sha
        return sha

    def _refusal(self, pr: PullRequest, exc: Any) -> GitHubProblem:
        data = exc.data if isinstance(exc.data, dict) else {}
        detail = str(data.get("message") or "")
        from ereg_desktop.services.shown_text import printable

        detail = printable(detail)[:300]
        if exc.status == 409:
            return MergeRefused("head-moved", pr.url, detail)
        if exc.status == 422:
            return MergeRefused("validation", pr.url, detail)
        if exc.status == 405:
            try:
                now = self.refresh(pr)
            except GitHubProblem:
                now = pr
            if now.head_sha != pr.head_sha:
                return MergeRefused("head-moved", pr.url, detail)
            if now.mergeable_state == "dirty":
                return MergeRefused("dirty", pr.url, detail)
            if now.mergeable_state == "blocked":
                return MergeRefused("blocked", pr.url, detail)
            return MergeRefused("not-mergeable", pr.url, detail)
        return from_status(exc.status, exc.data, exc.headers or {}, f"merging {pr.url}",
                           self.api_url, self.repository)  # fmt: skip

    def _after_lost_answer(self, pr: PullRequest, exc: BaseException) -> str:
        """The merge request got no answer. Unless it was never sent, it may have merged:
        read the PR again before saying anything."""
        import requests

        from ereg_desktop.services.github.client import reason

        text = str(exc)
        if isinstance(exc, requests.exceptions.ConnectTimeout) or any(
            s in text for s in ("NewConnectionError", "Connection refused", "Name or service")
        ):
            raise GitHubUnreachable(
                self.api_url, reason(exc), note=f"Nothing was sent: {pr.url} was not merged."
            ) from None
        try:
            now = self.refresh(pr)
        except GitHubUnreachable as again:
            raise GitHubUnreachable(
                self.api_url,
                reason(exc),
                note=f"The merge request was sent but its answer was lost, and GitHub cannot be "
                f"read now ({again.detail}): whether {pr.url} got merged is unknown; look at it "
                "before trying again.",
            ) from None
        if now.merged and now.merge_commit_sha:
            return now.merge_commit_sha
        raise GitHubUnreachable(
            self.api_url, reason(exc), note=f"{pr.url} was not merged; try again."
        ) from None
