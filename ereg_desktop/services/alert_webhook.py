"""Post an alert to a team's webhook (Slack-compatible JSON ``{"text": ...}``), bounded in time.

The caller runs it on a worker. A webhook URL is a secret (Slack's carry the token in the path),
so no error message or log names more of it than its host.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

from ereg_desktop.errors import EregError
from ereg_desktop.services.alerts import Alert

WEBHOOK_TIMEOUT = 5.0


class WebhookError(EregError):
    """The webhook did not take the alert (no answer in time, refused, an HTTP error)."""


def webhook_text(alert: Alert) -> str:
    return f"ereg-desktop: {alert.message}"


def post_webhook(url: str, alert: Alert, timeout: float = WEBHOOK_TIMEOUT) -> int:
    """POST ``{"text": ...}`` to ``url``; returns the HTTP status. Never takes much longer than
    ``timeout`` seconds in all (a server that answers byte by byte included): raises
    :class:`WebhookError` naming only the URL's host."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "?"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("the alert webhook is not an http(s) URL: check the setting")
    body = json.dumps({"text": webhook_text(alert)}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    outcome: list[int | BaseException] = []

    def send() -> None:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read(65536)
                outcome.append(int(answer.status))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=send, name="alert-webhook", daemon=True)
    worker.start()
    worker.join(timeout)
    got = outcome[0] if outcome else None
    if isinstance(got, urllib.error.URLError) and isinstance(got.reason, TimeoutError):
        got = got.reason
    if got is None or isinstance(got, TimeoutError):  # socket.timeout is TimeoutError
        raise WebhookError(f"the alert webhook at {host} did not answer within {timeout:g} s")
    if isinstance(got, urllib.error.HTTPError):
        raise WebhookError(f"the alert webhook at {host} answered HTTP {got.code}")
    if isinstance(got, BaseException):
        why = type(got).__name__
        if isinstance(got, urllib.error.URLError) and isinstance(got.reason, OSError):
            why = got.reason.strerror or type(got.reason).__name__
        raise WebhookError(f"the alert webhook at {host} could not be reached: {why}")
    return got
