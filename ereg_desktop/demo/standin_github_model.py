"""The GitHub stand-in's state and the JSON shapes shared by its routes: a repository and its pull
requests (in memory, over a real bare repository), users, repositories, and the pagination with
``Link`` headers like GitHub's. Standard library only."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ereg_desktop.demo.standin_git import BareRepo
from ereg_desktop.demo.standin_http import Answer

PER_PAGE = 30
MAX_PER_PAGE = 100
NUMBER = re.compile(r"^[1-9][0-9]{0,8}\Z")

Reply = tuple[int, Any, dict[str, str]]  # (status, JSON body or None, extra headers)


@dataclass
class Pull:
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
class Repo:
    full_name: str
    git: BareRepo
    pulls: dict[int, Pull] = field(default_factory=dict)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user_json(base_url: str, login: str) -> dict[str, Any]:
    return {
        "login": login,
        "id": abs(hash(login)) % 10_000_000,
        "type": "User",
        "url": f"{base_url}/users/{login}",
        "html_url": f"{base_url}/{login}",
        "name": login,
    }


def repo_json(base_url: str, repo: Repo) -> dict[str, Any]:
    owner, name = repo.full_name.split("/", 1)
    api = f"{base_url}/repos/{repo.full_name}"
    return {
        "id": abs(hash(repo.full_name)) % 10_000_000,
        "name": name,
        "full_name": repo.full_name,
        "owner": {**user_json(base_url, owner), "type": "Organization"},
        "private": True,
        "html_url": f"{base_url}/{repo.full_name}",
        "url": api,
        "pulls_url": f"{api}/pulls{{/number}}",
        "default_branch": repo.git.default_branch(),
        "permissions": {"admin": False, "push": True, "pull": True},
    }


def current_head(repo: Repo, pull: Pull) -> str | None:
    if pull.state != "open":
        return pull.closed_head_sha
    return repo.git.branch(pull.head) or pull.last_head  # a deleted branch: its last head


def pull_json(base_url: str, repo: Repo, pull: Pull, *, listing: bool = False, count: bool = False,
              mergeable_delay: int = 0, protected: bool = False) -> dict[str, Any]:  # fmt: skip
    """A pull request as GitHub answers it (``listing``: as in a list, without the computed
    fields; ``count``: a GET that counts toward ``mergeable_delay``)."""
    owner = repo.full_name.split("/", 1)[0]
    api = f"{base_url}/repos/{repo.full_name}/pulls/{pull.number}"
    head_sha = current_head(repo, pull)
    base_sha = repo.git.branch(pull.base)
    data: dict[str, Any] = {
        "url": api,
        "id": pull.number,
        "html_url": f"{base_url}/{repo.full_name}/pull/{pull.number}",
        "diff_url": f"{base_url}/{repo.full_name}/pull/{pull.number}.diff",
        "issue_url": f"{base_url}/repos/{repo.full_name}/issues/{pull.number}",
        "number": pull.number,
        "state": pull.state,
        "locked": False,
        "title": pull.title,
        "body": pull.body,
        "user": user_json(base_url, pull.user),
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
            "user": user_json(base_url, owner),
            "repo": repo_json(base_url, repo),
        },
        "base": {
            "label": f"{owner}:{pull.base}",
            "ref": pull.base,
            "sha": base_sha,
            "user": user_json(base_url, owner),
            "repo": repo_json(base_url, repo),
        },
    }
    if listing:  # GitHub's list leaves these out: PyGithub completes from "url" when asked
        return data
    mergeable: bool | None = None
    state = "unknown"
    if pull.state == "open" and head_sha and base_sha:
        if head_sha != pull.last_head:  # a push: GitHub computes mergeability again
            pull.unknown_left, pull.last_head = mergeable_delay, head_sha
        if not count:
            pass  # the answer to the creation: not computed yet, as on GitHub
        elif pull.unknown_left > 0:
            pull.unknown_left -= 1
        else:
            mergeable = repo.git.mergeable(base_sha, head_sha)
            state = ("blocked" if protected else "clean") if mergeable else "dirty"
    data |= {
        "merged": pull.merged,
        "mergeable": mergeable,
        "rebaseable": mergeable,
        "mergeable_state": state,
        "merged_by": user_json(base_url, pull.merged_by) if pull.merged_by else None,
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


def page(base_url: str, items: list[Any], query: dict[str, str], target: str) -> Reply:
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
        return f"<{base_url}{parsed.path}?{urllib.parse.urlencode(q)}>"

    links = []
    if page < last:
        links += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
    if page > 1:
        links += [f'{link(1)}; rel="first"', f'{link(page - 1)}; rel="prev"']
    return 200, chosen, ({"Link": ", ".join(links)} if links else {})
