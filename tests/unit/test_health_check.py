"""The URL check against a real local http.server: 200, 500, a timeout, connection refused,
redirects."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ereg_desktop.services.health import check_url

RELEASE = threading.Event()  # the slow page answers once the test is done with it
WARMING = {"left": 0}  # /warming answers 503 this many more times (an app starting)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/slow":
            RELEASE.wait(10)
        if self.path == "/same":
            self.send_response(302)
            self.send_header("Location", "/")
            self.end_headers()
            return
        if self.path == "/away":
            self.send_response(301)
            self.send_header("Location", "http://elsewhere.invalid/x")
            self.end_headers()
            return
        code = 500 if self.path == "/broken" else 401 if self.path == "/login" else 200
        if self.path == "/warming" and WARMING["left"] > 0:
            WARMING["left"] -= 1
            code = 503
        body = b"ok\n"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def base() -> Iterator[str]:
    RELEASE.clear()
    WARMING["left"] = 2
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    RELEASE.set()
    server.shutdown()
    server.server_close()


def test_200(base: str) -> None:
    h = check_url(base + "/")
    assert h.status == 200 and h.ok and h.seconds is not None and h.seconds < 2
    assert h.as_dict()["ms"] is not None


def test_500(base: str) -> None:
    h = check_url(base + "/broken")
    assert h.status == 500 and not h.ok and "500" in h.error


def test_timeout_is_bounded(base: str) -> None:
    start = time.monotonic()
    h = check_url(base + "/slow", timeout=0.5)
    assert time.monotonic() - start < 2.5
    assert h.status is None and not h.ok and "no answer within 0.5 s" in h.error


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: refused
        h = check_url(f"http://127.0.0.1:{port}/")
    assert h.status is None and "refused" in h.error


def test_same_host_redirect_is_followed(base: str) -> None:
    h = check_url(base + "/same")
    assert h.status == 200 and h.ok


def test_redirect_elsewhere_is_not_followed(base: str) -> None:
    h = check_url(base + "/away")
    assert h.status == 301 and not h.ok and "elsewhere.invalid" in h.error


@pytest.mark.parametrize("url", ["", "file:///etc/passwd", "ftp://x/", "http://"])
def test_not_http(url: str) -> None:
    h = check_url(url)
    assert h.status is None and h.error == "not an http(s) URL"


def test_retry_until_the_app_answers(base: str) -> None:
    """The deploy's verify: a site still starting (503) is asked again until it answers."""
    once = check_url(base + "/warming")
    assert once.status == 503 and not once.answered
    again = check_url(base + "/warming", retry_for_s=10)
    assert again.status == 200 and again.answered and again.message.startswith("HTTP 200 in ")
    assert WARMING["left"] == 0


def test_a_login_page_is_an_answer_but_not_healthy(base: str) -> None:
    h = check_url(base + "/login", retry_for_s=10)
    assert h.status == 401 and h.answered and not h.ok


def test_retrying_ends_with_the_last_answer_in_words() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/"
        start = time.monotonic()
        h = check_url(url, retry_for_s=0.5)
    assert 0.5 <= time.monotonic() - start < 5
    assert not h.answered and h.message == f"no answer ({h.error}) from {url}"
    assert "refused" in h.error
