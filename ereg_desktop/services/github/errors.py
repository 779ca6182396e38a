"""What can go wrong with GitHub, in words an operator can act on. No message holds the token."""

from __future__ import annotations

from ereg_desktop.errors import EXIT_CONNECTION, EregError

LOGIN_HINT = "add one in Inventory > GitHub token\u2026 or run `ereg-desktop github login`"
TOKEN_NEEDS = (
    "a classic token with the 'repo' scope, or a fine-grained one with read and write access to "
    "Contents and Pull requests of the repository"
)


class GitHubProblem(EregError):
    """GitHub could not do what was asked; ``str()`` says what and what to do."""


class TokenMissing(GitHubProblem):
    def __init__(self) -> None:
        super().__init__(f"No GitHub token: {LOGIN_HINT}.")


class TokenInvalid(GitHubProblem):
    """GitHub answered 401, or the text given cannot be a token (``malformed``)."""

    def __init__(self, detail: str = "Bad credentials", *, malformed: bool = False) -> None:
        self.detail = detail
        if malformed:
            text = (
                f"That is not a GitHub token ({detail}): copy it again from GitHub (Settings > "
                "Developer settings > Personal access tokens)."
            )
        else:
            text = (
                f"GitHub refused the token ({detail}): it may have expired or been revoked. Make "
                f"a new one ({TOKEN_NEEDS}), then add it in Inventory > GitHub token\u2026 or run "
                "`ereg-desktop github login`."
            )
        super().__init__(text)


class GitHubRateLimited(GitHubProblem):
    """403/429 with the rate limit used up: wait, nothing is wrong with the token."""

    def __init__(self, until: str | None) -> None:
        self.until = until
        when = f"until {until}" if until else "for now"
        super().__init__(
            f"GitHub's API rate limit for this token is used up {when}; try again then "
            "(nothing was changed on GitHub by the refused request)."
        )


class AccessDenied(GitHubProblem):
    """403 that is not the rate limit: the token may read but not write, or SSO is required."""

    def __init__(self, what: str, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"GitHub refused {what} for this token (403: {detail}). The token needs "
            f"{TOKEN_NEEDS}; if the organisation uses SSO, authorise the token for it."
        )


class RepositoryNotFound(GitHubProblem):
    def __init__(self, repository: str) -> None:
        self.repository = repository
        super().__init__(
            f"GitHub has no repository {repository!r} that this token can see (404): check the "
            "repository in the inventory, and that the token has access to it (fine-grained "
            "tokens list their repositories; a classic token needs the 'repo' scope)."
        )


class GitHubUnreachable(GitHubProblem):
    """No answer, a timeout, or 5xx after the deliberate retries."""

    exit_code = EXIT_CONNECTION

    def __init__(self, url: str, detail: str, *, note: str = "") -> None:
        self.url = url
        self.detail = detail
        extra = f" {note}" if note else ""
        super().__init__(
            f"GitHub did not answer at {url} ({detail}).{extra} Check the network (and, for "
            "GitHub Enterprise, the API URL in settings.toml [github] api_url); "
            "https://www.githubstatus.com says whether GitHub itself is down."
        )


class MergeRefused(GitHubProblem):
    """GitHub did not merge. ``why``: dirty (conflicts), head-moved (new commits since it was
    read), not-mergeable (closed, or merged already), validation (422), blocked (branch
    protection: reviews or checks required)."""

    WHY = ("dirty", "head-moved", "not-mergeable", "validation", "blocked")

    def __init__(self, why: str, url: str, detail: str = "") -> None:
        assert why in self.WHY, why
        self.why = why
        self.url = url
        self.detail = detail
        said = f" GitHub said: {detail}" if detail else ""
        text = {
            "dirty": f"The pull request {url} has conflicts with its base branch: resolve them "
            "on GitHub (or in a clone) and try again.",
            "head-moved": f"The pull request {url} got new commits after it was reviewed: "
            "nothing was merged; review it again.",
            "not-mergeable": f"GitHub cannot merge the pull request {url} (closed, already "
            "merged, or its branch is gone): look at it on GitHub.",
            "validation": f"GitHub refused the merge request for {url} as invalid (422).",
            "blocked": f"Branch protection blocks merging {url} (reviews or checks required): "
            "merge it on GitHub once it is allowed, or wait for someone who may.",
        }[why]
        super().__init__(text + said)
