"""The HTTP side of the GitHub stand-in: one thread per connection (HTTP/1.1, kept alive like
GitHub's), the token from ``Authorization``, the faults that act below the API (down, a lost
answer), and JSON out. What a request means is the owner's :meth:`handle`."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol

from ereg_desktop.demo.standin_git import GitFailed


class Owner(Protocol):
    lock: threading.RLock
    connections: set[socket.socket]
    requests: list[tuple[str, str]]
    down: bool
    down_how: str
    lose_answer: str | None

    def handle(self, method: str, target: str, token: str | None, body: bytes) -> tuple[int, Any, dict[str, str]]: ...  # fmt: skip


class Answer(Exception):
    """Ends a request with an HTTP status and a JSON body."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, **extra}
        self.body.setdefault("documentation_url", "https://docs.github.com/rest")
        self.headers: dict[str, str] = {}


def json_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise Answer(400, "Problems parsing JSON") from None
    if not isinstance(data, dict):
        raise Answer(400, "Problems parsing JSON")
    return data


class Handler(BaseHTTPRequestHandler):
    owner: Owner
    protocol_version = "HTTP/1.1"
    server_version = "GitHubStandIn/1"
    timeout = 30

    def setup(self) -> None:
        super().setup()
        with self.owner.lock:
            self.owner.connections.add(self.connection)

    def finish(self) -> None:
        with self.owner.lock:
            self.owner.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the test output is the place for failures, not for every request

    def _token(self) -> str | None:
        value = self.headers.get("Authorization", "")
        scheme, _, token = value.partition(" ")
        return token.strip() if scheme.lower() in ("token", "bearer") and token.strip() else None

    def _serve(self, method: str) -> None:
        owner = self.owner
        with owner.lock:
            owner.requests.append((method, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if owner.down:
            if owner.down_how == "close":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self._send(503, {"message": "Service Unavailable (the GitHub stand-in is down)"}, {})
            return
        try:
            status, data, headers = owner.handle(method, self.path, self._token(), body)
        except Answer as answer:
            status, data, headers = answer.status, answer.body, answer.headers
        except GitFailed as exc:
            status, data, headers = 500, {"message": f"git failed in the stand-in: {exc}"}, {}
        with owner.lock:
            lose = owner.lose_answer == method
            if lose:
                owner.lose_answer = None
        if lose:  # done, but the answer never arrives (a cut connection, a proxy's timeout)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(status, data, headers)

    def _send(self, status: int, data: Any, headers: dict[str, str]) -> None:
        payload = b"" if data is None else json.dumps(data).encode("utf-8")
        self.send_response(status)
        if data is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")
