"""The GitHub stand-in's read-only routes over a repository's git objects: a pull request's files
(with their patches), ``contents`` of a path at a ref, ``git/blobs``, ``compare``. Each answers
(status, JSON, headers) or raises :class:`Answer`. Standard library only."""

from __future__ import annotations

import base64
import urllib.parse
from typing import Any

from ereg_desktop.demo.standin_github_model import Pull, Reply, Repo, current_head, page
from ereg_desktop.demo.standin_http import Answer


def files(base_url: str, repo: Repo, pull: Pull, query: dict[str, str], target: str,
          limit: int) -> Reply:  # fmt: skip
    head_sha = current_head(repo, pull)
    base_sha = repo.git.branch(pull.base)
    if pull.merged and pull.merge_commit_sha:
        base_sha = f"{pull.merge_commit_sha}^1"
    if head_sha is None or base_sha is None:
        return page(base_url, [], query, target)
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
            "blob_url": f"{base_url}/{repo.full_name}/blob/{head_sha}/{quoted}",
            "raw_url": f"{base_url}/{repo.full_name}/raw/{head_sha}/{quoted}",
            "contents_url": f"{base_url}/repos/{repo.full_name}/contents/{quoted}?ref={head_sha}",
        }
        if not change.binary:
            patch = repo.git.patch(base_sha, head_sha, change.path)
            if patch is not None and len(patch.encode()) <= limit:
                item["patch"] = patch  # GitHub leaves it out of large diffs
        items.append(item)
    return page(base_url, items, query, target)


def contents(base_url: str, repo: Repo, path: str, ref: str | None, limit: int) -> Reply:
    ref = ref or repo.git.default_branch()
    commit = repo.git.resolve(ref)
    if commit is None:
        raise Answer(404, f"No commit found for the ref {ref}")
    path = path.strip("/")
    api = f"{base_url}/repos/{repo.full_name}/contents"
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
    big = len(content) > limit
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
            "git_url": f"{base_url}/repos/{repo.full_name}/git/blobs/{entry.sha}",
            "html_url": f"{base_url}/{repo.full_name}/blob/{ref}/{urllib.parse.quote(path)}",
            "download_url": None,
        },
        {},
    )


def blob(base_url: str, repo: Repo, sha: str) -> Reply:
    content = repo.git.blob(sha)
    if content is None:
        raise Answer(404, "Not Found")
    return (
        200,
        {
            "sha": sha,
            "size": len(content),
            "url": f"{base_url}/repos/{repo.full_name}/git/blobs/{sha}",
            "content": base64.encodebytes(content).decode("ascii"),
            "encoding": "base64",
        },
        {},
    )


def compare(base_url: str, repo: Repo, basehead: str) -> Reply:
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
            "url": f"{base_url}/repos/{repo.full_name}/compare/{basehead}",
            "html_url": f"{base_url}/{repo.full_name}/compare/{basehead}",
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
