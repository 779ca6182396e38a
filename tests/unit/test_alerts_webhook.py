"""post_webhook against a local http.server: the JSON arrives; a slow or absent server is bounded."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ereg_desktop.services.alert_webhook import WebhookError, post_webhook
from ereg_desktop.services.alerts import CRASH, Alert

ALERT = Alert("s1", "gt", CRASH, "gt on s1 crashed (restarts 2 \u2192 3)", 1.0)
SECRET_PATH = "/services/T000/B000/s3cr3t-token"


RELEASE = threading.Event()


class Receiver(BaseHTTPRequestHandler):
    got: list[tuple[str, str, dict[str, object]]] = []
    status = 200
    delay = 0.0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).got.append((self.path, self.headers["Content-Type"], json.loads(body)))
        if type(self).delay:  # the slow server under test: it answers when the test is done
            RELEASE.wait(type(self).delay)
        try:
            self.send_response(type(self).status)
            self.end_headers()
            self.wfile.write(b"ok")
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    Receiver.got, Receiver.status, Receiver.delay = [], 200, 0.0
    RELEASE.clear()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    RELEASE.set()
    srv.shutdown()
    srv.server_close()


def url(srv: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}{SECRET_PATH}"


def test_the_json_text_arrives(server: ThreadingHTTPServer) -> None:
    assert post_webhook(url(server), ALERT, timeout=5) == 200
    path, ctype, body = Receiver.got[0]
    assert path == SECRET_PATH and ctype == "application/json"
    assert body == {"text": "ereg-desktop: gt on s1 crashed (restarts 2 \u2192 3)"}


def test_http_error_named_without_the_secret_path(server: ThreadingHTTPServer) -> None:
    Receiver.status = 403
    with pytest.raises(WebhookError) as err:
        post_webhook(url(server), ALERT, timeout=5)
    assert "HTTP 403" in str(err.value) and "127.0.0.1" in str(err.value)
    assert "s3cr3t" not in str(err.value)


def test_slow_server_is_bounded(server: ThreadingHTTPServer) -> None:
    Receiver.delay = 3.0
    t0 = time.monotonic()
    with pytest.raises(WebhookError) as err:
        post_webhook(url(server), ALERT, timeout=0.5)
    assert time.monotonic() - t0 < 1.5
    assert "did not answer within 0.5 s" in str(err.value) and "s3cr3t" not in str(err.value)


def test_absent_server_is_bounded() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    with pytest.raises(WebhookError) as err:
        post_webhook(f"http://127.0.0.1:{port}{SECRET_PATH}", ALERT, timeout=2)
    assert time.monotonic() - t0 < 2.5
    assert "could not be reached" in str(err.value) and "s3cr3t" not in str(err.value)


def test_not_a_web_url() -> None:
    with pytest.raises(WebhookError, match="not an http"):
        post_webhook("file:///etc/passwd", ALERT, timeout=1)
