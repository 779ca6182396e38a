"""One PyGithub client, with its waits and retries chosen on purpose, and its errors translated.

PyGithub's defaults would sleep 0.25 s before every request and 1 s before every write, and retry
5xx answers for a long time (``GithubRetry``: 10 tries, honouring long ``Retry-After``). For a
flow that keeps an app down while it talks to GitHub, chosen instead:

- ``seconds_between_requests=0``: a run makes a handful of reads; no pacing is needed.
- ``seconds_between_writes=0.1``: a run makes at most two writes (open the PR, merge it). The
  floor only keeps a looping bug from hammering GitHub's secondary limits.
- ``retry``: urllib3 ``Retry(total=retries, backoff_factor=0.5)`` on 502/503/504 and on dropped
  connections, **for GET only**, without honouring ``Retry-After`` (it may say a minute): so a
  dead GitHub is said within about a second plus the time limits. A connect error (nothing
  sent) is retried for any method by urllib3, which is safe. A PUT merge or a POST that was sent
  is NOT retried: if its answer is lost, the merge may have happened, and a blind retry would be
  refused (405: already merged) and misreported. The caller reads the PR again instead
  (:meth:`TranslationPulls.merge`).
- ``timeout``: whole seconds (PyGithub asserts an int), for connect and for each read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ereg_desktop import __version__
from ereg_desktop.services.github.errors import (
    AccessDenied,
    GitHubProblem,
    GitHubRateLimited,
    GitHubUnreachable,
    RepositoryNotFound,
    TokenInvalid,
    TokenMissing,
)
from ereg_desktop.services.shown_text import printable

if TYPE_CHECKING:
    import github

DEFAULT_API_URL = "https://api.github.com"
BACKOFF_S = 0.5
RETRIED_STATUSES = (502, 503, 504)
WRITE_FLOOR_S = 0.1
_TOKEN_TEXT = re.compile(r"^[\x21-\x7e]{1,1000}\Z")  # printable ASCII, no spaces


def check_token_text(token: str | None) -> str:
    """The token, stripped; TokenMissing when empty, TokenInvalid when it cannot be a token
    (a space or a control character would otherwise end up quoted in an HTTP library's error)."""
    token = (token or "").strip()
    if not token:
        raise TokenMissing()
    if not _TOKEN_TEXT.match(token):
        raise TokenInvalid("it holds spaces or characters no token has", malformed=True)
    return token


def retry_policy(retries: int) -> Any:
    from urllib3.util.retry import Retry

    return Retry(
        total=retries,
        backoff_factor=BACKOFF_S,
        status_forcelist=RETRIED_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,  # the last 5xx answer comes back, with GitHub's message
        respect_retry_after_header=False,
    )


def connect(token: str, api_url: str, timeout_s: float, retries: int) -> github.Github:
    import github

    return github.Github(
        auth=github.Auth.Token(check_token_text(token)),
        base_url=api_url.rstrip("/"),
        timeout=max(1, math.ceil(timeout_s)),
        user_agent=f"ereg-desktop/{__version__}",
        per_page=100,
        retry=retry_policy(retries),
        seconds_between_requests=0,
        seconds_between_writes=WRITE_FLOOR_S,
        lazy=True,
    )


def check_token(
    token: str, *, api_url: str = DEFAULT_API_URL, timeout_s: float = 15, retries: int = 2
) -> str:
    """The login the token belongs to (``GET /user``)."""
    gh = connect(token, api_url, timeout_s, retries)
    try:
        with github_errors("checking the token", api_url):
            login: str = gh.get_user().login
        return login
    finally:
        gh.close()


@contextmanager
def github_errors(what: str, api_url: str, repository: str | None = None) -> Iterator[None]:
    """PyGithub's and requests' exceptions as :class:`GitHubProblem` (never chained: the
    library's objects hold the request, and so the token)."""
    import github
    import requests

    try:
        yield
    except GitHubProblem:
        raise
    except github.GithubException as exc:
        raise from_status(
            exc.status, exc.data, exc.headers or {}, what, api_url, repository
        ) from None
    except requests.exceptions.RequestException as exc:
        raise GitHubUnreachable(api_url, reason(exc)) from None


def from_status(
    status: int,
    data: Any,
    headers: dict[str, Any],
    what: str,
    api_url: str,
    repository: str | None,
) -> GitHubProblem:
    message = data.get("message") if isinstance(data, dict) else None
    said = printable(str(message))[:300] if message else ""
    lower = said.lower()
    if status == 401:
        return TokenInvalid(said or "Bad credentials")
    if status in (403, 429) and (
        "rate limit" in lower or str(headers.get("x-ratelimit-remaining")) == "0"
    ):
        return GitHubRateLimited(_reset_time(headers.get("x-ratelimit-reset")))
    if status == 403:
        return AccessDenied(what, said or "Forbidden")
    if status == 404 and repository is not None:
        return RepositoryNotFound(repository)
    if status >= 500:
        return GitHubUnreachable(api_url, f"HTTP {status}" + (f": {said}" if said else ""))
    return GitHubProblem(f"GitHub answered {status} to {what}" + (f": {said}" if said else "."))


def _reset_time(value: Any) -> str | None:
    try:
        return datetime.fromtimestamp(int(float(value)), UTC).strftime("%H:%M UTC")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


_REASONS = (
    ("timed out", "no answer within the time limit"),
    ("Connection refused", "connection refused"),
    ("Name or service not known", "the host name is not known"),
    ("nodename nor servname", "the host name is not known"),
    ("getaddrinfo failed", "the host name is not known"),
    ("RemoteDisconnected", "the connection was closed without an answer"),
    ("Connection reset", "the connection was reset"),
    ("Connection aborted", "the connection was closed without an answer"),
    ("too many", "it kept answering with errors"),
    ("CERTIFICATE_VERIFY_FAILED", "its TLS certificate is not trusted"),
)


def reason(exc: BaseException) -> str:
    text = str(exc)
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    return type(exc).__name__
