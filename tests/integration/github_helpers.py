"""GitHub for the integration tests: the stand-in over the sandbox's bare repositories.

``start_github(sandbox, **knobs)`` starts a :class:`GitHubStandIn` serving ``egov/<app>`` for
every sandbox app (git run as the sandbox user, so the repositories stay the user's), and the
``github`` fixture yields it (import it into the test module:
``from github_helpers import github_fixture  # noqa: F401``). ``GitHubForTests`` has ``standin``,
``url``, ``token``, ``pulls(app)`` and ``stage_translations(app, {key: value})`` (the Meta
Admin's edit and the real ``update-translations`` on the server); apps it touched are brought
back to a clean master at origin's tip afterwards.

The sandbox's bare repositories are ``git init --shared``, which sets
``receive.denyNonFastForwards``: the real ``update-translations`` pushes with ``-f`` (GitHub
allows that on an unprotected branch), so a repository the tests stage translations in allows it
for the test, and gets its setting back afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sandbox import Sandbox

from ereg_desktop.demo.github_standin import GitHubStandIn
from ereg_desktop.services.github.pulls import TranslationPulls

OWNER = "egov"
TOKEN = "ghp_sandboxTestToken0123456789abcdefAB"
LOGIN = "ereg-tester"
DENY = "receive.denyNonFastForwards"
BRANCH_REF = "refs/heads/server-translations"


@dataclass
class GitHubForTests:
    standin: GitHubStandIn
    sandbox: Sandbox
    token: str = TOKEN
    # app -> (its receive.denyNonFastForwards, its server-translations sha), before the test
    touched: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.standin.url

    @staticmethod
    def repository(app: str) -> str:
        return f"{OWNER}/{app}"

    def pulls(self, app: str, *, token: str | None = None, **kw: Any) -> TranslationPulls:
        return TranslationPulls(self.repository(app), token or self.token, api_url=self.url, **kw)

    def touch(self, app: str) -> None:
        """``app``'s repository takes forced pushes (as GitHub's unprotected branches) until the
        fixture ends; then its setting and its server-translations branch are put back as they
        were (other tests' `update-translations` expect no diverged branch there), and ~/APP is
        brought back to origin's master."""
        if app not in self.touched:
            bare = self.sandbox.bare_repo(app)
            self.touched[app] = (
                self.sandbox.git(bare, "config", "--get", DENY, check=False),
                self.sandbox.git(bare, "rev-parse", "-q", "--verify", BRANCH_REF, check=False),
            )
            self.sandbox.git(bare, "config", DENY, "false")

    def restore(self) -> None:
        for app, (deny, branch) in self.touched.items():
            bare = self.sandbox.bare_repo(app)
            if deny:
                self.sandbox.git(bare, "config", DENY, deny)
            else:
                self.sandbox.git(bare, "config", "--unset", DENY, check=False)
            if branch:
                self.sandbox.git(bare, "update-ref", BRANCH_REF, branch)
            else:
                self.sandbox.git(bare, "update-ref", "-d", BRANCH_REF, check=False)
            sync_app(self.sandbox, app)

    def write_translations(self, app: str, changes: Mapping[str, str | None]) -> Path:
        """The Meta Admin's edit: change i18n-messages.json in ~/APP (None removes a key)."""
        self.touch(app)
        sync_app(self.sandbox, app)
        path = self.sandbox.app_dir(app) / "i18n-messages.json"
        messages = json.loads(path.read_text(encoding="utf-8"))
        for key, value in changes.items():
            if value is None:
                messages.pop(key, None)
            else:
                messages[key] = value
        text = json.dumps(messages, indent=2, ensure_ascii=False) + "\n"
        self.sandbox.write_app_file(app, "i18n-messages.json", text)
        return path

    def update_translations(self, app: str) -> str:
        """The real `update-translations` in ~/APP as the server's user; the pushed head."""
        res = self.sandbox.run_as_user("update-translations", cwd=self.sandbox.app_dir(app))
        assert res.returncode == 0, res.stdout + res.stderr
        assert "pushed server-translations" in res.stdout, res.stdout
        return self.sandbox.origin_head(app, "server-translations")

    def stage_translations(self, app: str, changes: Mapping[str, str | None]) -> str:
        """:meth:`write_translations` then :meth:`update_translations`."""
        self.write_translations(app, changes)
        return self.update_translations(app)


def sync_app(sandbox: Sandbox, app: str) -> None:
    """~/APP on a clean master at origin's master (what a finished deploy leaves)."""
    sandbox.git(app, "fetch", "-q", "origin")
    sandbox.git(app, "checkout", "-q", "master")
    sandbox.git(app, "reset", "-q", "--hard", "origin/master")


def start_github(sandbox: Sandbox, **knobs: Any) -> GitHubForTests:
    repos = {f"{OWNER}/{app}": sandbox.bare_repo(app) for app in sandbox.apps}
    standin = GitHubStandIn(repos, {TOKEN: LOGIN}, git_user=sandbox.user)
    for name, value in knobs.items():
        setattr(standin, name, value)
    return GitHubForTests(standin.start(), sandbox)


@pytest.fixture(name="github")
def github_fixture(sandbox: Sandbox) -> Iterator[GitHubForTests]:
    gh = start_github(sandbox)
    try:
        yield gh
    finally:
        gh.standin.stop()
        gh.restore()
