"""A deployment's URL checked from the desktop: "online" in pm2 does not mean the site answers.

One GET with bounded time limits; the status code, the time to the response's headers, and a
short error in words when there is no answer. A redirect is followed only on the same scheme,
host and port (at most a few); one to another place is reported as it is, not followed. The
deploy's verify asks again for a while until the site answers (``retry_for_s``). Blocking: run it
on a worker.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from ereg_desktop.services.shown_text import printable

DEFAULT_TIMEOUT_S = 5.0
MAX_REDIRECTS = 3
RETRY_EVERY_S = 0.2
_READ_LIMIT = 64 << 10


@dataclass(frozen=True)
class Health:
    url: str
    status: int | None  # the HTTP status code; None when nothing answered
    seconds: float | None  # request to response headers
    error: str = ""  # in words, when there is no usable answer

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 400 and not self.error

    @property
    def answered(self) -> bool:
        """The app answers: any status below 500 (a login page, a 401 is the app answering)."""
        return self.status is not None and self.status < 500

    @property
    def message(self) -> str:
        """In words, as the deploy's log shows it."""
        if self.answered:
            return f"HTTP {self.status} in {(self.seconds or 0.0) * 1000:.0f} ms"
        what = f"HTTP {self.status}" if self.status is not None else f"no answer ({self.error})"
        return f"{what} from {self.url}"

    def as_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "status": self.status,
            "ms": None if self.seconds is None else round(self.seconds * 1000),
            "ok": self.ok,
            "error": self.error,
        }


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


class _SameOrigin(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if _origin(urljoin(req.full_url, newurl)) != _origin(req.full_url):
            return None  # urllib then raises HTTPError with the redirect's own status
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def check_url(
    url: str,
    timeout: float = DEFAULT_TIMEOUT_S,
    *,
    retry_for_s: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Health:
    """GET ``url``; never raises for what the network or the site does. With ``retry_for_s``
    (an app just restarted), ask again every ``RETRY_EVERY_S`` until it has :attr:`answered`
    or that time has passed, and return the last answer."""
    end = time.monotonic() + retry_for_s
    while True:
        health = _get(url, timeout)
        if health.answered or time.monotonic() >= end:
            return health
        sleep(RETRY_EVERY_S)


def _get(url: str, timeout: float) -> Health:
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https") or not urlsplit(url).hostname:
        return Health(url, None, None, "not an http(s) URL")
    opener = urllib.request.build_opener(_SameOrigin())
    request = urllib.request.Request(url, headers={"User-Agent": "ereg-desktop health check"})
    start = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            took = time.monotonic() - start
            response.read(_READ_LIMIT)
            return Health(url, response.status, took)
    except urllib.error.HTTPError as exc:
        took = time.monotonic() - start
        status = exc.code
        exc.close()
        if 300 <= status < 400:
            where = printable(str(exc.headers.get("Location", "")))[:200]
            return Health(url, status, took, f"redirects to {where} (not followed)")
        return Health(url, status, took, f"the site answered {status} {printable(exc.reason)}")
    except urllib.error.URLError as exc:
        return Health(url, None, None, _words(exc.reason, timeout))
    except TimeoutError:
        return Health(url, None, None, f"no answer within {timeout:g} s")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Health(url, None, None, _words(exc, timeout))


def _words(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (nothing listens there)"
    if isinstance(reason, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"the certificate is not trusted ({printable(reason.verify_message or '')})"
    if isinstance(reason, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    return printable(str(reason))[:200] or type(reason).__name__
