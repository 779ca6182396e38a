"""The git side of the GitHub stand-in: reads and merges in a bare repository, run as its owner.

The bare repositories of the test sandbox belong to the sandbox's user, who pushes to them over
SSH; the stand-in runs as root there. So every git command can run as a given user (``user=`` of
``subprocess``): what it writes (objects, refs) stays writable for the user's later pushes.

A merge is a real merge commit: ``git merge-tree --write-tree`` (git 2.38 and later) gives the
merged tree or says there is a conflict, ``git commit-tree`` makes the commit with both parents and
``git update-ref`` moves the branch only if it still points where it did. Older git merges in a
temporary clone and pushes the commit back (a push that is not a fast-forward is refused, the same
guard).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

MERGER_NAME = "GitHub"
MERGER_EMAIL = "noreply@github.com"
_STATUS = {"A": "added", "D": "removed", "M": "modified", "T": "changed"}
_SHA = re.compile(r"^[0-9a-f]{40}\Z")


class GitFailed(RuntimeError):
    """A git command failed where the stand-in did not expect it."""


class BaseMoved(Exception):
    """The base branch moved between reading it and moving it to the merge commit."""


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # GitHub's words: added, removed, modified, changed (type)
    old_sha: str | None
    new_sha: str | None
    additions: int
    deletions: int
    binary: bool


@dataclass(frozen=True)
class TreeEntry:
    path: str
    mode: str
    type: str  # blob, tree, commit
    sha: str
    size: int


def git_version() -> tuple[int, ...]:
    out = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+)\.(\d+)", out)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


class BareRepo:
    """One bare repository; every git command runs as ``user`` when given (and not us)."""

    def __init__(self, path: Path, user: str | None = None, *, merge_tree: bool | None = None):
        self.path = Path(path)
        entry = pwd.getpwnam(user) if user else pwd.getpwuid(os.geteuid())
        self._switch = entry.pw_uid != os.geteuid()
        self._uid, self._gid, self._home = entry.pw_uid, entry.pw_gid, entry.pw_dir
        # ``git merge-tree --write-tree`` came with git 2.38
        self.merge_tree_available = git_version() >= (2, 38) if merge_tree is None else merge_tree

    # --- running git --------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOME": self._home,
            "LANG": "C",
            "LC_ALL": "C",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": MERGER_NAME,
            "GIT_AUTHOR_EMAIL": MERGER_EMAIL,
            "GIT_COMMITTER_NAME": MERGER_NAME,
            "GIT_COMMITTER_EMAIL": MERGER_EMAIL,
        }

    def run(
        self,
        *args: str,
        where: Path | None = None,
        input: bytes | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        place = where or self.path
        argv = ["git", "-c", f"safe.directory={place}", "--literal-pathspecs", "-C", str(place)]
        res = subprocess.run(
            [*argv, *args],
            input=input,
            capture_output=True,
            env={**self._env(), **(env or {})},
            timeout=120,
            check=False,
            cwd=place,  # the caller's folder may be closed to the user git runs as
            user=self._uid if self._switch else None,
            group=self._gid if self._switch else None,
            extra_groups=[] if self._switch else None,
        )
        if check and res.returncode != 0:
            raise GitFailed(
                f"git {' '.join(args)} in {place}: exit {res.returncode}: "
                f"{res.stderr.decode('utf-8', 'replace').strip()[:2000]}"
            )
        return res

    def _out(self, *args: str) -> str:
        return self.run(*args).stdout.decode("utf-8", "replace").strip()

    # --- reading ------------------------------------------------------------------------------

    def resolve(self, ref: str) -> str | None:
        """The commit a branch name, tag or sha names, or None."""
        if not ref or ref.startswith("-"):
            return None
        res = self.run("rev-parse", "--verify", "-q", "--end-of-options", f"{ref}^{{commit}}",
                       check=False)  # fmt: skip
        sha = res.stdout.decode().strip()
        return sha if res.returncode == 0 and _SHA.match(sha) else None

    def branch(self, name: str) -> str | None:
        return self.resolve(f"refs/heads/{name}") if name else None

    def default_branch(self) -> str:
        res = self.run("symbolic-ref", "-q", "--short", "HEAD", check=False)
        return res.stdout.decode().strip() or "master"

    def merge_base(self, a: str, b: str) -> str | None:
        res = self.run("merge-base", a, b, check=False)
        return res.stdout.decode().strip() or None if res.returncode == 0 else None

    def count(self, exclude: str, include: str) -> int:
        """Commits reachable from ``include`` and not from ``exclude``."""
        return int(self._out("rev-list", "--count", f"{exclude}..{include}"))

    def is_ancestor(self, a: str, b: str) -> bool:
        return self.run("merge-base", "--is-ancestor", a, b, check=False).returncode == 0

    def changes(self, base: str, head: str) -> list[FileChange]:
        """What ``head`` changed since it forked from ``base`` (GitHub's three-dot diff)."""
        since = self.merge_base(base, head) or base
        raw = self.run("diff-tree", "-r", "-z", "--no-renames", since, head).stdout
        stats = self.run("diff-tree", "-r", "-z", "--no-renames", "--numstat", since, head).stdout
        counts: dict[str, tuple[int, int, bool]] = {}
        for item in stats.split(b"\0"):
            if item.count(b"\t") >= 2:
                added, deleted, name = item.split(b"\t", 2)
                binary = added == b"-"
                counts[name.decode("utf-8", "surrogateescape")] = (
                    0 if binary else int(added),
                    0 if binary else int(deleted),
                    binary,
                )
        parts = raw.split(b"\0")
        out: list[FileChange] = []
        for meta_b, path_b in zip(parts[0::2], parts[1::2], strict=False):
            if not meta_b.startswith(b":"):
                continue
            _, _, old, new, letter = meta_b[1:].decode().split(" ")
            path = path_b.decode("utf-8", "surrogateescape")
            plus, minus, binary = counts.get(path, (0, 0, False))
            zero = "0" * 40
            out.append(
                FileChange(
                    path=path,
                    status=_STATUS.get(letter[:1], "modified"),
                    old_sha=None if old == zero else old,
                    new_sha=None if new == zero else new,
                    additions=plus,
                    deletions=minus,
                    binary=binary,
                )
            )
        return out

    def patch(self, base: str, head: str, path: str) -> str | None:
        """The hunks of one file's diff (from the first ``@@``), as GitHub's ``patch``."""
        since = self.merge_base(base, head) or base
        text = self.run("diff-tree", "-p", "--no-renames", since, head, "--", path).stdout
        at = text.find(b"\n@@")
        return None if at < 0 else text[at + 1 :].decode("utf-8", "replace")

    def entry(self, commit: str, path: str) -> TreeEntry | None:
        res = self.run("ls-tree", "-z", "--long", commit, "--", path, check=False)
        for item in res.stdout.split(b"\0"):
            if b"\t" not in item:
                continue
            meta, name = item.split(b"\t", 1)
            mode, kind, sha, size = meta.decode().split()
            if name.decode("utf-8", "surrogateescape") == path:
                return TreeEntry(path, mode, kind, sha, int(size) if size.isdigit() else 0)
        return None

    def listing(self, commit: str, path: str) -> list[TreeEntry]:
        target = f"{commit}:{path}" if path else f"{commit}^{{tree}}"
        res = self.run("ls-tree", "-z", "--long", target, check=False)
        out = []
        for item in res.stdout.split(b"\0"):
            if b"\t" in item:
                meta, name = item.split(b"\t", 1)
                mode, kind, sha, size = meta.decode().split()
                full = f"{path}/{name.decode('utf-8', 'surrogateescape')}".lstrip("/")
                out.append(TreeEntry(full, mode, kind, sha, int(size) if size.isdigit() else 0))
        return out

    def blob(self, sha: str) -> bytes | None:
        if not _SHA.match(sha):
            return None
        if self.run("cat-file", "-e", f"{sha}^{{blob}}", check=False).returncode != 0:
            return None
        return self.run("cat-file", "blob", sha).stdout

    # --- merging ------------------------------------------------------------------------------

    def mergeable(self, base: str, head: str) -> bool:
        if self.merge_tree_available:
            return self._merge_tree(base, head) is not None
        return self._merge_in_clone(base, head, None) is not None

    def merge(self, branch: str, base: str, head: str, message: str) -> str | None:
        """A merge commit of ``head`` into ``branch`` (at ``base``): its sha, or None on a conflict.
        :class:`BaseMoved` when the branch no longer points at ``base``."""
        if not self.merge_tree_available:
            return self._merge_in_clone(base, head, (branch, message))
        tree = self._merge_tree(base, head)
        if tree is None:
            return None
        commit = self.run("commit-tree", tree, "-p", base, "-p", head, input=message.encode())
        sha = commit.stdout.decode().strip()
        moved = self.run("update-ref", f"refs/heads/{branch}", sha, base, check=False)
        if moved.returncode != 0:
            raise BaseMoved(branch)
        return sha

    def _merge_tree(self, base: str, head: str) -> str | None:
        res = self.run("merge-tree", "--write-tree", "--no-messages", "--name-only", base, head,
                       check=False)  # fmt: skip
        if res.returncode == 1:
            return None
        if res.returncode != 0:
            raise GitFailed(f"git merge-tree: {res.stderr.decode('utf-8', 'replace')[:2000]}")
        return res.stdout.decode().split("\n", 1)[0].strip()

    def _merge_in_clone(self, base: str, head: str, commit: tuple[str, str] | None) -> str | None:
        """Git before 2.38: merge in a throw-away clone; with ``commit`` (branch, message) push the
        merge commit back (refused unless a fast-forward of the branch: the base-moved guard)."""
        tmp = Path(tempfile.mkdtemp(prefix="ereg-standin-merge-"))
        try:
            if self._switch:
                os.chown(tmp, self._uid, self._gid)
            work = tmp / "w"
            self.run("clone", "-q", "--shared", "--no-checkout", str(self.path), str(work),
                     where=tmp)  # fmt: skip
            self.run("checkout", "-q", "--detach", base, where=work)
            merged = self.run("merge", "-q", "--no-ff", "--no-edit", head, where=work, check=False)
            if merged.returncode != 0:
                return None
            tree = self.run("rev-parse", "HEAD^{tree}", where=work).stdout.decode().strip()
            if commit is None:
                return tree
            branch, message = commit
            made = self.run("commit-tree", tree, "-p", base, "-p", head, where=work,
                            input=message.encode())  # fmt: skip
            sha = made.stdout.decode().strip()
            pushed = self.run("push", "-q", "origin", f"{sha}:refs/heads/{branch}", where=work,
                              check=False)  # fmt: skip
            if pushed.returncode != 0:
                raise BaseMoved(branch)
            return sha
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
