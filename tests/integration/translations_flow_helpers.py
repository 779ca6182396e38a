"""Shared by the translation-flow tests: a deployment with a GitHub repository on the stand-in,
a scripted operator, and the server's translations file as the panel writes it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from deploy_helpers import FAST, make_ref, shell

from ereg_desktop.demo.github_standin import GitHubStandIn
from ereg_desktop.remote.connection import ConnectionPool
from ereg_desktop.services.deploy.actions import WriteGuard
from ereg_desktop.services.deploy.decisions import (
    Answer,
    AnswerSource,
    AnswerValue,
    MergeChoice,
    Question,
    ReviewVerdict,
)
from ereg_desktop.services.deploy.result import DeploySettings
from ereg_desktop.services.deploy.workflow import DeployRun
from ereg_desktop.services.github.pulls import TranslationPulls
from ereg_desktop.services.i18n.messages_file import parse_messages, serialize_messages
from ereg_desktop.store.history import History
from ereg_desktop.store.inventory import DeploymentRef, System

TOKEN = "ghp_FAKE_token_for_the_standin_0123456789"
OWNER = "egov"
# quick polls of the stand-in, so a wait for a merge on GitHub is seen at once
FLOW = DeploySettings(
    settle_s=FAST.settle_s, verify_deadline_s=FAST.verify_deadline_s,
    poll_interval_s=FAST.poll_interval_s, url_tries_s=FAST.url_tries_s,
    merge_poll_s=0.2, mergeable_deadline_s=20, model_check_timeout_s=30,
)  # fmt: skip


@contextmanager
def github_standin(box: Any) -> Iterator[GitHubStandIn]:
    """The stand-in serving every sandbox app's bare repository as egov/APP."""
    repos = {f"{OWNER}/{app}": box.bare_repo(app) for app in box.apps}
    with GitHubStandIn(repos, {TOKEN}, git_user=box.user) as standin:
        yield standin


def repo_ref(box: Any, app: str, **kw: Any) -> DeploymentRef:
    ref = make_ref(box, app, **kw)
    system = System(ref.system.name, owner=ref.system.owner, repository=f"{OWNER}/{app}",
                    deployments=[ref.deployment])  # fmt: skip
    return DeploymentRef(system, ref.deployment, ref.server)


def access(standin: GitHubStandIn, token: str = TOKEN) -> Callable[[str], TranslationPulls]:
    return lambda repo: TranslationPulls(repo, token, api_url=standin.url, timeout_s=5, retries=0)


class Operator:
    """A Decider that answers each kind of question with a scripted value (or a callable of the
    question), and remembers what it was asked."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.asked: list[Question] = []
        self.lock = threading.Lock()

    def decide(self, question: Question) -> Answer:
        with self.lock:
            self.asked.append(question)
        how = self.answers.get(question.kind.replace("-", "_"))
        if how is None:
            return Answer(question.id, None, AnswerSource.UNASKED)
        value: AnswerValue = how(question) if callable(how) else how
        return Answer(question.id, value, AnswerSource.OPERATOR)

    def kinds(self) -> list[str]:
        return [q.kind for q in self.asked]


APPROVE = ReviewVerdict(approved=True, acknowledged_warnings=True)
MERGE = str(MergeChoice.MERGE)


def approving(**more: Any) -> Operator:
    more.setdefault("review", APPROVE)
    more.setdefault("merge_or_wait", MERGE)
    return Operator(**more)


def new_run(pool: ConnectionPool, ref: DeploymentRef, tmp_path: Path, standin: GitHubStandIn,
            decider: Any, sh: Any = None, **kw: Any) -> DeployRun:  # fmt: skip
    kw.setdefault("settings", FLOW)
    kw.setdefault("github", access(standin))
    return DeployRun(ref, sh or shell(pool, ref), operator="Tester", guard=WriteGuard(),
                     history=History(tmp_path / "h.sqlite3"), decider=decider, **kw)  # fmt: skip


def server_messages(box: Any, app: str) -> dict[str, Any]:
    data = (box.app_dir(app) / "i18n-messages.json").read_bytes()
    return parse_messages(data)


def write_messages(box: Any, app: str, messages: dict[str, Any]) -> bytes:
    """Write ~/APP/i18n-messages.json as the Meta Admin panel does."""
    data = serialize_messages(messages)
    box.write_user_file(box.app_dir(app) / "i18n-messages.json", data.decode("utf-8"))
    return data


def change_messages(box: Any, app: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change pairs of the server's file (value None removes the pair); returns the new map."""
    messages = server_messages(box, app)
    for key, value in changes.items():
        if value is None:
            messages.pop(key, None)
        else:
            messages[key] = value
    write_messages(box, app, messages)
    return messages


def restore_app(box: Any, app: str) -> None:
    """Undo what a test left in ~/APP's working tree and make sure the app runs."""
    box.git(app, "checkout", "-q", "master", check=False)
    box.git(app, "checkout", "-q", "--", ".", check=False)
    # a test that failed on purpose may leave ~/APP behind origin (a conflict pushed to master)
    box.git(app, "fetch", "-q", "origin", check=False)
    box.git(app, "reset", "-q", "--hard", "origin/master", check=False)
    box.git(app, "clean", "-qfd", "--", "data", "i18n-messages.json", check=False)
    status = box.pm2_process(app)["pm2_env"]["status"]
    if status != "online":
        box.run_as_user(["pm2", "start", app])


def push_to_branch(box: Any, app: str, branch: str, rel: str, text: str) -> str:
    """Someone pushes a commit to ``branch`` of the bare repository (through their own clone)."""
    work = Path(box.home) / ".pusher"
    box.run_as_user(["rm", "-rf", str(work)], login=False, check=True)
    box.run_as_user(["git", "clone", "-q", "-b", branch, str(box.bare_repo(app)), str(work)],
                    login=False, check=True)  # fmt: skip
    box.write_user_file(work / rel, text)
    box.git(work, "add", rel)
    box.git(work, "commit", "-q", "-m", f"pushed to {branch}")
    box.git(work, "push", "-q", "origin", f"HEAD:{branch}")
    sha = box.git(work, "rev-parse", "HEAD")
    box.run_as_user(["rm", "-rf", str(work)], login=False, check=True)
    return str(sha)


def master_file(box: Any, app: str, path: str = "i18n-messages.json") -> bytes:
    out = box.run_as_user(
        ["git", "-C", str(box.bare_repo(app)), "show", f"master:{path}"], login=False, check=True
    )
    return str(out.stdout).encode("utf-8")


def parents(box: Any, app: str, ref: str = "master") -> list[str]:
    return box.git(box.bare_repo(app), "rev-list", "--parents", "-n", "1", ref).split()[1:]


def jlist_pid(box: Any, app: str) -> int:
    return int(box.pm2_process(app)["pid"])


def as_json(messages: dict[str, Any]) -> str:
    return json.dumps(messages, ensure_ascii=False, sort_keys=True)
