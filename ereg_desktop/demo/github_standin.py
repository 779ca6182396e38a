"""A GitHub stand-in: the REST paths PyGithub uses for the translations pull request, over real
bare git repositories, on loopback. Standard library only (tests, and a later embedded demo).

Speaks: ``GET /user``; ``GET /repos/{o}/{r}``; ``GET|POST /repos/{o}/{r}/pulls`` (``state``,
``base``, ``head=owner:branch`` filters, paginated); ``GET /repos/{o}/{r}/pulls/{n}``; ``GET
.../pulls/{n}/files`` (paginated with ``Link`` headers like GitHub); ``PUT .../pulls/{n}/merge``
(``merge_method`` "merge" only: a real merge commit, the branch kept); ``GET .../contents/{path}
?ref=``; ``GET .../git/blobs/{sha}``; ``GET .../compare/{base}...{head}``. The git repositories are
the truth for branches: a PR's head is read from its branch on every request, and ``mergeable``
is computed with a real merge. Pull requests live in memory, numbered from 1 per repository.

Fault knobs (attributes, read at each request): ``refuse_merge`` (answer the next merge with this
status), ``down`` (503, or with ``down_how = "close"`` close the connection unanswered),
``lose_answer`` ("PUT": do the next PUT, then close the connection unanswered),
``mergeable_delay`` (the next N GETs of each PR answer ``mergeable: null`` as GitHub does while it
computes), ``protected`` (mergeable_state "blocked", merges refused with 405 like branch
protection), ``rate_limited`` (403 API rate limit exceeded), ``contents_limit`` (bigger files
come without content, like GitHub's 1 MB limit), and :meth:`merged_by_someone`.
"""

from __future__ import annotations

import base64
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ereg_desktop.demo.standin_git import BareRepo, BaseMoved
from ereg_desktop.demo.standin_http import Answer, Handler, json_body

DEFAULT_LOGIN = "translations-bot"
PER_PAGE = 30
MAX_PER_PAGE = 100
_NUMBER = re.compile(r"^[1-9][0-9]{0,8}\Z")
_REFUSALS = {  # GitHub's words for the statuses a merge is refused with
    403: "Resource not accessible by personal access token",
    405: "Pull Request is not mergeable",
    409: "Head branch was modified. Review and try the merge again.",
    422: "Validation Failed",
}


@dataclass
class _Pull:
    number: int
    title: str
    body: str | None
    head: str
    base: str
    user: str
    created_at: str
    state: str = "open"
    merged: bool = False
    merged_at: str | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    closed_head_sha: str | None = None
    unknown_left: int = 0
    last_head: str | None = None


@dataclass
class _Repo:
    full_name: str
    git: BareRepo
    pulls: dict[int, _Pull] = field(default_factory=dict)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GitHubStandIn:
    """Start with :meth:`start` (or ``with``); :attr:`url` is the API base for ``base_url``."""

    def __init__(
        self,
        repos: Mapping[str, Path],
        tokens: Collection[str],
        *,
        git_user: str | None = None,
        host: str = "127.0.0.1",
        merge_tree: bool | None = None,
    ) -> None:
        """``repos``: "owner/name" -> bare repository. ``tokens``: the accepted tokens; a mapping
        gives each its login (else every token is :data:`DEFAULT_LOGIN`). ``git_user``: run git
        as this user. ``merge_tree``: force (True) or avoid (False) ``git merge-tree``."""
        self.lock = threading.RLock()
        self._repos = {
            name: _Repo(name, BareRepo(Path(path), git_user, merge_tree=merge_tree))
            for name, path in repos.items()
        }
        self._tokens: dict[str, str] = (
            dict(tokens) if isinstance(tokens, Mapping) else dict.fromkeys(tokens, DEFAULT_LOGIN)
        )
        self._host = host
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.connections: set[socket.socket] = set()
        self._mergeable_delay = 0
        # fault knobs
        self.refuse_merge: int | None = None
        self.down = False
        self.down_how = "503"  # or "close"
        self.protected = False
        self.rate_limited = False
        self.contents_limit = 1024 * 1024
        self.lose_answer: str | None = None  # "PUT": do the next PUT, then close unanswered
        # what was asked: (method, path with query), for tests to count retries
        self.requests: list[tuple[str, str]] = []

    # --- life ---------------------------------------------------------------------------------

    def start(self) -> GitHubStandIn:
        standin = self

        class OwnHandler(Handler):
            owner = standin

        server = ThreadingHTTPServer((self._host, 0), OwnHandler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name="github-standin",
        )  # fmt: skip
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the GitHub stand-in is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        """Stop listening and cut the open (kept-alive) connections: clients are refused."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self.lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> GitHubStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- knobs --------------------------------------------------------------------------------

    @property
    def mergeable_delay(self) -> int:
        return self._mergeable_delay

    @mergeable_delay.setter
    def mergeable_delay(self, gets: int) -> None:
        """The next ``gets`` GETs of every open PR (and of each one opened or pushed to later)
        answer ``mergeable: null``, ``mergeable_state: "unknown"``."""
        with self.lock:
            self._mergeable_delay = max(0, int(gets))
            for repo in self._repos.values():
                for pull in repo.pulls.values():
                    if pull.state == "open":
                        pull.unknown_left = self._mergeable_delay

    def merged_by_someone(self, owner_repo: str, number: int, login: str = "someone") -> str:
        """Merge as if clicked on the website by ``login``; returns the merge commit's sha."""
        with self.lock:
            repo = self._repos[owner_repo]
            pull = repo.pulls[number]
            head = self._head_sha(repo, pull)
            if head is None:
                raise RuntimeError(f"{owner_repo}#{number} has no head branch")
            return self._merge(repo, pull, head, f"Merged on the website by {login}", login)

    def pull_numbers(self, owner_repo: str) -> list[int]:
        with self.lock:
            return sorted(self._repos[owner_repo].pulls)

    # --- JSON shapes --------------------------------------------------------------------------

    def _user_json(self, login: str) -> dict[str, Any]:
        return {
            "login": login,
            "id": abs(hash(login)) % 10_000_000,
            "type": "User",
            "url": f"{self.url}/users/{login}",
            "html_url": f"{self.url}/{login}",
            "name": login,
        }

    def _repo_json(self, repo: _Repo) -> dict[str, Any]:
        owner, name = repo.full_name.split("/", 1)
        api = f"{self.url}/repos/{repo.full_name}"
        return {
            "id": abs(hash(repo.full_name)) % 10_000_000,
            "name": name,
            "full_name": repo.full_name,
            "owner": {**self._user_json(owner), "type": "Organization"},
            "private": True,
            "html_url": f"{self.url}/{repo.full_name}",
            "url": api,
            "pulls_url": f"{api}/pulls{{/number}}",
            "default_branch": repo.git.default_branch(),
            "permissions": {"admin": False, "push": True, "pull": True},
        }

    def _head_sha(self, repo: _Repo, pull: _Pull) -> str | None:
        if pull.state != "open":
            return pull.closed_head_sha
        return repo.git.branch(pull.head) or pull.last_head  # a deleted branch: its last head

    def _pull_json(self, repo: _Repo, pull: _Pull, *, listing: bool = False,
                   count: bool = False) -> dict[str, Any]:  # fmt: skip
        owner = repo.full_name.split("/", 1)[0]
        api = f"{self.url}/repos/{repo.full_name}/pulls/{pull.number}"
        head_sha = self._head_sha(repo, pull)
        base_sha = repo.git.branch(pull.base)
        data: dict[str, Any] = {
            "url": api,
            "id": pull.number,
            "html_url": f"{self.url}/{repo.full_name}/pull/{pull.number}",
            "diff_url": f"{self.url}/{repo.full_name}/pull/{pull.number}.diff",
            "issue_url": f"{self.url}/repos/{repo.full_name}/issues/{pull.number}",
            "number": pull.number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "body": pull.body,
            "user": self._user_json(pull.user),
            "created_at": pull.created_at,
            "updated_at": pull.merged_at or pull.created_at,
            "closed_at": pull.merged_at,
            "merged_at": pull.merged_at,
            "merge_commit_sha": pull.merge_commit_sha,
            "draft": False,
            "head": {
                "label": f"{owner}:{pull.head}",
                "ref": pull.head,
                "sha": head_sha,
                "user": self._user_json(owner),
                "repo": self._repo_json(repo),
            },
            "base": {
                "label": f"{owner}:{pull.base}",
                "ref": pull.base,
                "sha": base_sha,
                "user": self._user_json(owner),
                "repo": self._repo_json(repo),
            },
        }
        if listing:  # GitHub's list leaves these out: PyGithub completes from "url" when asked
            return data
        mergeable: bool | None = None
        state = "unknown"
        if pull.state == "open" and head_sha and base_sha:
            if head_sha != pull.last_head:  # a push: GitHub computes mergeability again
                pull.unknown_left, pull.last_head = self._mergeable_delay, head_sha
            if not count:
                pass  # the answer to the creation: not computed yet, as on GitHub
            elif pull.unknown_left > 0:
                pull.unknown_left -= 1
            else:
                mergeable = repo.git.mergeable(base_sha, head_sha)
                state = ("blocked" if self.protected else "clean") if mergeable else "dirty"
        data |= {
            "merged": pull.merged,
            "mergeable": mergeable,
            "rebaseable": mergeable,
            "mergeable_state": state,
            "merged_by": self._user_json(pull.merged_by) if pull.merged_by else None,
            "comments": 0,
            "review_comments": 0,
            "maintainer_can_modify": False,
        }
        if head_sha and base_sha:
            changes = repo.git.changes(base_sha, head_sha)
            data |= {
                "commits": repo.git.count(base_sha, head_sha) if pull.state == "open" else 1,
                "additions": sum(c.additions for c in changes),
                "deletions": sum(c.deletions for c in changes),
                "changed_files": len(changes),
            }
        return data

    # --- the requests -------------------------------------------------------------------------

    def handle(self, method: str, target: str, token: str | None, body: bytes) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        """One request: (status, JSON body or None, extra headers). Raises :class:`Answer`."""
        parsed = urllib.parse.urlsplit(target)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query).items()}
        parts = [urllib.parse.unquote(p) for p in parsed.path.split("/") if p]
        if token is None:
            raise Answer(401, "Requires authentication")
        login = self._tokens.get(token)
        if login is None:
            raise Answer(401, "Bad credentials")
        if self.rate_limited:
            answer = Answer(403, "API rate limit exceeded for user ID 1. If you reach out to "
                            "GitHub Support for help, please include the request ID.")  # fmt: skip
            reset = int(time.time()) + 900
            answer.headers = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0",
                              "X-RateLimit-Reset": str(reset)}  # fmt: skip
            raise answer
        if parts == ["user"] and method == "GET":
            return 200, self._user_json(login), {"X-OAuth-Scopes": "repo"}
        if len(parts) < 3 or parts[0] != "repos":
            raise Answer(404, "Not Found")
        with self.lock:
            repo = self._repos.get(f"{parts[1]}/{parts[2]}")
            if repo is None:
                raise Answer(404, "Not Found")
            rest = parts[3:]
            if not rest and method == "GET":
                return 200, self._repo_json(repo), {}
            if rest[:1] == ["pulls"]:
                return self._pulls(repo, method, rest[1:], query, body, login, target)
            if rest[:1] == ["contents"] and method == "GET":
                return self._contents(repo, "/".join(rest[1:]), query.get("ref"))
            if rest[:2] == ["git", "blobs"] and len(rest) == 3 and method == "GET":
                return self._blob(repo, rest[2])
            if rest[:1] == ["compare"] and len(rest) >= 2 and method == "GET":
                return self._compare(repo, "/".join(rest[1:]))
        raise Answer(404, "Not Found")

    def _pulls(self, repo: _Repo, method: str, rest: list[str], query: dict[str, str],
               body: bytes, login: str, target: str) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        if not rest:
            if method == "GET":
                return self._list_pulls(repo, query, target)
            if method == "POST":
                return self._create_pull(repo, json_body(body), login)
            raise Answer(404, "Not Found")
        if not _NUMBER.match(rest[0]) or int(rest[0]) not in repo.pulls:
            raise Answer(404, "Not Found")
        pull = repo.pulls[int(rest[0])]
        if len(rest) == 1 and method == "GET":
            self._auto_merge_check(repo, pull)
            return 200, self._pull_json(repo, pull, count=True), {}
        if rest[1:] == ["files"] and method == "GET":
            return self._files(repo, pull, query, target)
        if rest[1:] == ["merge"] and method == "PUT":
            return self._merge_request(repo, pull, json_body(body), login)
        if rest[1:] == ["merge"] and method == "GET":
            return (204 if pull.merged else 404), None, {}
        raise Answer(404, "Not Found")

    def _auto_merge_check(self, repo: _Repo, pull: _Pull) -> None:
        """Like GitHub: an open PR whose head got into its base (a push) counts as merged."""
        if pull.state != "open":
            return
        head, base = repo.git.branch(pull.head), repo.git.branch(pull.base)
        if head and base and repo.git.is_ancestor(head, base):
            pull.state, pull.merged, pull.merged_at = "closed", True, _now()
            pull.merge_commit_sha, pull.closed_head_sha = base, head

    def _list_pulls(self, repo: _Repo, query: dict[str, str], target: str) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        state = query.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise Answer(422, "Validation Failed", errors=[{"field": "state", "code": "invalid"}])
        owner = repo.full_name.split("/", 1)[0]
        chosen = []
        for pull in sorted(repo.pulls.values(), key=lambda p: -p.number):
            self._auto_merge_check(repo, pull)
            if state != "all" and pull.state != state:
                continue
            if "base" in query and pull.base != query["base"]:
                continue
            if "head" in query:
                who, _, branch = query["head"].rpartition(":")
                if (who or owner) != owner or branch != pull.head:
                    continue
            chosen.append(self._pull_json(repo, pull, listing=True))
        return self._page(chosen, query, target)

    def _create_pull(self, repo: _Repo, data: dict[str, Any], login: str) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        owner = repo.full_name.split("/", 1)[0]
        head, base, title = data.get("head"), data.get("base"), data.get("title")
        if not isinstance(head, str) or not isinstance(base, str):
            raise Answer(422, "Validation Failed", errors=[{"resource": "PullRequest",
                         "field": "head" if not isinstance(head, str) else "base",
                         "code": "missing_field"}])  # fmt: skip
        if not isinstance(title, str) or not title.strip():
            raise Answer(422, "Validation Failed", errors=[{"resource": "PullRequest",
                         "field": "title", "code": "missing_field"}])  # fmt: skip
        who, _, branch = head.rpartition(":")
        head_sha, base_sha = repo.git.branch(branch), repo.git.branch(base)
        if (who and who != owner) or head_sha is None:
            raise Answer(422, "Validation Failed", errors=[{"resource": "PullRequest",
                         "field": "head", "code": "invalid"}])  # fmt: skip
        if base_sha is None:
            raise Answer(422, "Validation Failed", errors=[{"resource": "PullRequest",
                         "field": "base", "code": "invalid"}])  # fmt: skip
        for other in repo.pulls.values():
            if other.state == "open" and other.head == branch and other.base == base:
                raise Answer(422, "Validation Failed", errors=[{"resource": "PullRequest",
                             "code": "custom", "message":
                             f"A pull request already exists for {owner}:{branch}."}])  # fmt: skip
        if repo.git.count(base_sha, head_sha) == 0:
            raise Answer(422, "Validation Failed", errors=[{"resource": "PullRequest",
                         "code": "custom", "message":
                         f"No commits between {base} and {branch}"}])  # fmt: skip
        body = data.get("body")
        pull = _Pull(
            number=max(repo.pulls, default=0) + 1,
            title=title,
            body=body if isinstance(body, str) else None,
            head=branch,
            base=base,
            user=login,
            created_at=_now(),
            unknown_left=self._mergeable_delay,
            last_head=head_sha,
        )
        repo.pulls[pull.number] = pull
        location = f"{self.url}/repos/{repo.full_name}/pulls/{pull.number}"
        return 201, self._pull_json(repo, pull), {"Location": location}

    def _files(self, repo: _Repo, pull: _Pull, query: dict[str, str], target: str) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        head_sha = self._head_sha(repo, pull)
        base_sha = repo.git.branch(pull.base)
        if pull.merged and pull.merge_commit_sha:
            base_sha = f"{pull.merge_commit_sha}^1"
        if head_sha is None or base_sha is None:
            return self._page([], query, target)
        items = []
        for change in repo.git.changes(base_sha, head_sha):
            sha = change.new_sha or change.old_sha
            quoted = urllib.parse.quote(change.path)
            item: dict[str, Any] = {
                "sha": sha,
                "filename": change.path,
                "status": change.status,
                "additions": change.additions,
                "deletions": change.deletions,
                "changes": change.additions + change.deletions,
                "blob_url": f"{self.url}/{repo.full_name}/blob/{head_sha}/{quoted}",
                "raw_url": f"{self.url}/{repo.full_name}/raw/{head_sha}/{quoted}",
                "contents_url": f"{self.url}/repos/{repo.full_name}/contents/{quoted}?ref={head_sha}",
            }
            if not change.binary:
                patch = repo.git.patch(base_sha, head_sha, change.path)
                if patch is not None and len(patch.encode()) <= self.contents_limit:
                    item["patch"] = patch  # GitHub leaves it out of large diffs
            items.append(item)
        return self._page(items, query, target)

    def _merge_request(self, repo: _Repo, pull: _Pull, data: dict[str, Any], login: str) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        method = data.get("merge_method", "merge")
        sha = data.get("sha")
        title, message = data.get("commit_title"), data.get("commit_message")
        if method not in ("merge", "squash", "rebase") or not all(
            v is None or isinstance(v, str) for v in (sha, title, message)
        ):
            raise Answer(422, "Validation Failed", errors=[{"resource": "PullRequest",
                         "field": "merge_method", "code": "invalid"}])  # fmt: skip
        if method != "merge":
            raise Answer(422, f"The stand-in merges with merge_method 'merge' only, not {method!r}")
        refused, self.refuse_merge = self.refuse_merge, None
        if refused is not None:
            raise Answer(refused, _REFUSALS.get(refused, "Refused by the stand-in's refuse_merge"))
        if pull.state != "open":
            raise Answer(405, "Pull Request is not mergeable")
        head = self._head_sha(repo, pull)
        if head is None:
            raise Answer(405, "Pull Request is not mergeable")
        if sha is not None and sha != head:
            raise Answer(409, "Head branch was modified. Review and try the merge again.")
        if self.protected:
            raise Answer(405, "At least 1 approving review is required by reviewers with write access.")  # fmt: skip
        subject = title or f"Merge pull request #{pull.number} from {repo.full_name.split('/')[0]}/{pull.head}"  # fmt: skip
        text = f"{subject}\n\n{message if message is not None else pull.title}\n"
        merged = self._merge(repo, pull, head, text, login)
        return (
            200,
            {"sha": merged, "merged": True, "message": "Pull Request successfully merged"},
            {},
        )

    def _merge(self, repo: _Repo, pull: _Pull, head: str, message: str, login: str) -> str:
        if pull.state != "open":
            raise Answer(405, "Pull Request is not mergeable")
        base = repo.git.branch(pull.base)
        if base is None:
            raise Answer(405, "Pull Request is not mergeable")
        try:
            sha = repo.git.merge(pull.base, base, head, message)
        except BaseMoved:
            raise Answer(405, "Base branch was modified. Review and try the merge again.") from None
        if sha is None:
            raise Answer(405, "Pull Request is not mergeable")
        pull.state, pull.merged, pull.merged_at, pull.merged_by = "closed", True, _now(), login
        pull.merge_commit_sha, pull.closed_head_sha = sha, head
        return sha

    def _contents(self, repo: _Repo, path: str, ref: str | None) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        ref = ref or repo.git.default_branch()
        commit = repo.git.resolve(ref)
        if commit is None:
            raise Answer(404, f"No commit found for the ref {ref}")
        path = path.strip("/")
        api = f"{self.url}/repos/{repo.full_name}/contents"
        entry = repo.git.entry(commit, path) if path else None
        if path and entry is None:
            raise Answer(404, "Not Found")
        if entry is None or entry.type == "tree":
            return 200, [
                {"type": "dir" if e.type == "tree" else "file", "name": e.path.rsplit("/", 1)[-1],
                 "path": e.path, "sha": e.sha, "size": e.size,
                 "url": f"{api}/{urllib.parse.quote(e.path)}?ref={ref}"}
                for e in repo.git.listing(commit, path)
            ], {}  # fmt: skip
        if entry.type != "blob":
            raise Answer(404, "Not Found")
        content = repo.git.blob(entry.sha) or b""
        big = len(content) > self.contents_limit
        return (
            200,
            {
                "type": "file",
                "encoding": "none" if big else "base64",
                "size": len(content),
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "content": "" if big else base64.encodebytes(content).decode("ascii"),
                "sha": entry.sha,
                "url": f"{api}/{urllib.parse.quote(path)}?ref={ref}",
                "git_url": f"{self.url}/repos/{repo.full_name}/git/blobs/{entry.sha}",
                "html_url": f"{self.url}/{repo.full_name}/blob/{ref}/{urllib.parse.quote(path)}",
                "download_url": None,
            },
            {},
        )

    def _blob(self, repo: _Repo, sha: str) -> tuple[int, Any, dict[str, str]]:
        content = repo.git.blob(sha)
        if content is None:
            raise Answer(404, "Not Found")
        return (
            200,
            {
                "sha": sha,
                "size": len(content),
                "url": f"{self.url}/repos/{repo.full_name}/git/blobs/{sha}",
                "content": base64.encodebytes(content).decode("ascii"),
                "encoding": "base64",
            },
            {},
        )

    def _compare(self, repo: _Repo, basehead: str) -> tuple[int, Any, dict[str, str]]:
        base_ref, dots, head_ref = basehead.partition("...")
        if not dots:
            raise Answer(404, "Not Found")
        base, head = repo.git.resolve(base_ref), repo.git.resolve(head_ref)
        if base is None or head is None:
            raise Answer(404, "Not Found")
        ahead, behind = repo.git.count(base, head), repo.git.count(head, base)
        status = ("identical" if not ahead and not behind else "ahead" if not behind
                  else "behind" if not ahead else "diverged")  # fmt: skip
        files = [
            {"sha": c.new_sha or c.old_sha, "filename": c.path, "status": c.status,
             "additions": c.additions, "deletions": c.deletions,
             "changes": c.additions + c.deletions}
            for c in repo.git.changes(base, head)
        ]  # fmt: skip
        return (
            200,
            {
                "url": f"{self.url}/repos/{repo.full_name}/compare/{basehead}",
                "html_url": f"{self.url}/{repo.full_name}/compare/{basehead}",
                "status": status,
                "ahead_by": ahead,
                "behind_by": behind,
                "total_commits": ahead,
                "merge_base_commit": {"sha": repo.git.merge_base(base, head)},
                "commits": [],
                "files": files,
            },
            {},
        )

    def _page(self, items: list[Any], query: dict[str, str], target: str) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        try:
            per_page = max(1, min(MAX_PER_PAGE, int(query.get("per_page", PER_PAGE))))
            page = max(1, int(query.get("page", 1)))
        except ValueError:
            raise Answer(422, "Validation Failed") from None
        last = max(1, -(-len(items) // per_page))
        chosen = items[(page - 1) * per_page : page * per_page]
        parsed = urllib.parse.urlsplit(target)

        def link(n: int) -> str:
            q = {**query, "page": str(n), "per_page": str(per_page)}
            return f"<{self.url}{parsed.path}?{urllib.parse.urlencode(q)}>"

        links = []
        if page < last:
            links += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
        if page > 1:
            links += [f'{link(1)}; rel="first"', f'{link(page - 1)}; rel="prev"']
        return 200, chosen, ({"Link": ", ".join(links)} if links else {})
