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

import socket
import threading
import time
import urllib.parse
from collections.abc import Collection, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ereg_desktop.demo.standin_git import BareRepo, BaseMoved
from ereg_desktop.demo.standin_github_content import blob, compare, contents, files
from ereg_desktop.demo.standin_github_model import (
    NUMBER,
    Pull,
    Reply,
    Repo,
    current_head,
    now,
    page,
    pull_json,
    repo_json,
    user_json,
)
from ereg_desktop.demo.standin_http import Answer, Handler, json_body

DEFAULT_LOGIN = "translations-bot"
_REFUSALS = {  # GitHub's words for the statuses a merge is refused with
    403: "Resource not accessible by personal access token",
    405: "Pull Request is not mergeable",
    409: "Head branch was modified. Review and try the merge again.",
    422: "Validation Failed",
}


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
            name: Repo(name, BareRepo(Path(path), git_user, merge_tree=merge_tree))
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
            head = current_head(repo, pull)
            if head is None:
                raise RuntimeError(f"{owner_repo}#{number} has no head branch")
            return self._merge(repo, pull, head, f"Merged on the website by {login}", login)

    def pull_numbers(self, owner_repo: str) -> list[int]:
        with self.lock:
            return sorted(self._repos[owner_repo].pulls)

    # --- JSON shapes --------------------------------------------------------------------------

    def _pull_json(self, repo: Repo, pull: Pull, *, listing: bool = False,
                   count: bool = False) -> dict[str, Any]:  # fmt: skip
        return pull_json(self.url, repo, pull, listing=listing, count=count,
                         mergeable_delay=self._mergeable_delay, protected=self.protected)  # fmt: skip

    # --- the requests -------------------------------------------------------------------------

    def handle(self, method: str, target: str, token: str | None, body: bytes) -> Reply:  # fmt: skip
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
            return 200, user_json(self.url, login), {"X-OAuth-Scopes": "repo"}
        if len(parts) < 3 or parts[0] != "repos":
            raise Answer(404, "Not Found")
        with self.lock:
            repo = self._repos.get(f"{parts[1]}/{parts[2]}")
            if repo is None:
                raise Answer(404, "Not Found")
            rest = parts[3:]
            if not rest and method == "GET":
                return 200, repo_json(self.url, repo), {}
            if rest[:1] == ["pulls"]:
                return self._pulls(repo, method, rest[1:], query, body, login, target)
            if rest[:1] == ["contents"] and method == "GET":
                return contents(
                    self.url, repo, "/".join(rest[1:]), query.get("ref"), self.contents_limit
                )
            if rest[:2] == ["git", "blobs"] and len(rest) == 3 and method == "GET":
                return blob(self.url, repo, rest[2])
            if rest[:1] == ["compare"] and len(rest) >= 2 and method == "GET":
                return compare(self.url, repo, "/".join(rest[1:]))
        raise Answer(404, "Not Found")

    def _pulls(self, repo: Repo, method: str, rest: list[str], query: dict[str, str],
               body: bytes, login: str, target: str) -> Reply:  # fmt: skip
        if not rest:
            if method == "GET":
                return self._list_pulls(repo, query, target)
            if method == "POST":
                return self._create_pull(repo, json_body(body), login)
            raise Answer(404, "Not Found")
        if not NUMBER.match(rest[0]) or int(rest[0]) not in repo.pulls:
            raise Answer(404, "Not Found")
        pull = repo.pulls[int(rest[0])]
        if len(rest) == 1 and method == "GET":
            self._auto_merge_check(repo, pull)
            return 200, self._pull_json(repo, pull, count=True), {}
        if rest[1:] == ["files"] and method == "GET":
            return files(self.url, repo, pull, query, target, self.contents_limit)
        if rest[1:] == ["merge"] and method == "PUT":
            return self._merge_request(repo, pull, json_body(body), login)
        if rest[1:] == ["merge"] and method == "GET":
            return (204 if pull.merged else 404), None, {}
        raise Answer(404, "Not Found")

    def _auto_merge_check(self, repo: Repo, pull: Pull) -> None:
        """Like GitHub: an open PR whose head got into its base (a push) counts as merged."""
        if pull.state != "open":
            return
        head, base = repo.git.branch(pull.head), repo.git.branch(pull.base)
        if head and base and repo.git.is_ancestor(head, base):
            pull.state, pull.merged, pull.merged_at = "closed", True, now()
            pull.merge_commit_sha, pull.closed_head_sha = base, head

    def _list_pulls(self, repo: Repo, query: dict[str, str], target: str) -> Reply:  # fmt: skip
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
        return page(self.url, chosen, query, target)

    def _create_pull(self, repo: Repo, data: dict[str, Any], login: str) -> Reply:  # fmt: skip
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
        pull = Pull(
            number=max(repo.pulls, default=0) + 1,
            title=title,
            body=body if isinstance(body, str) else None,
            head=branch,
            base=base,
            user=login,
            created_at=now(),
            unknown_left=self._mergeable_delay,
            last_head=head_sha,
        )
        repo.pulls[pull.number] = pull
        location = f"{self.url}/repos/{repo.full_name}/pulls/{pull.number}"
        return 201, self._pull_json(repo, pull), {"Location": location}

    def _merge_request(self, repo: Repo, pull: Pull, data: dict[str, Any], login: str) -> Reply:  # fmt: skip
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
        head = current_head(repo, pull)
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

    def _merge(self, repo: Repo, pull: Pull, head: str, message: str, login: str) -> str:
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
        pull.state, pull.merged, pull.merged_at, pull.merged_by = "closed", True, now(), login
        pull.merge_commit_sha, pull.closed_head_sha = sha, head
        return sha
