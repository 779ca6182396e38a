"""The app the pm2 stand-in runs in place of an eRegistrations node app (a script, standard
library only): an HTTP server on ``$PORT`` answering ``{app, commit, pid, heldMb}`` as the
sandbox's ``server.js`` does, holding ``$HOLD_MB`` MiB that drift up and down (so memory is
live), and with ``$CRASH_S`` set, throwing now and then (after 0.5 to 1.5 times that).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

NAME = os.environ.get("PM2_STANDIN_APP") or Path.cwd().name
HOLD_MB = float(os.environ.get("HOLD_MB") or 20)
CRASH_S = float(os.environ.get("CRASH_S") or 0)
DRIFT_S = 3.0


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


class _Memory:
    """The held buffers, between 0.6 and 1.4 times ``HOLD_MB``, a random walk."""

    def __init__(self) -> None:
        self.blocks: list[bytearray] = []
        self.lock = threading.Lock()
        self.resize(int(HOLD_MB))

    def resize(self, mb: int) -> None:
        with self.lock:
            while len(self.blocks) < mb:
                self.blocks.append(bytearray(b"\x5a" * (1 << 20)))  # touched: resident
            del self.blocks[mb:]

    def drift(self, stop: threading.Event) -> None:
        while not stop.wait(DRIFT_S):
            low, high = int(HOLD_MB * 0.6), int(HOLD_MB * 1.4) + 1
            step = random.choice((-3, -2, -1, 1, 2, 3))
            self.resize(min(high, max(low, len(self.blocks) + step)))


def main() -> int:
    commit = _commit()
    memory = _Memory()
    stop = threading.Event()
    threading.Thread(target=memory.drift, args=(stop,), daemon=True).start()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(
                {"app": NAME, "commit": commit, "pid": os.getpid(), "heldMb": len(memory.blocks)}
            )
            data = (body + "\n").encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            print(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}", flush=True)

    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT") or 0)), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    print(
        f"{NAME} listening on http://127.0.0.1:{port}/ (pid {os.getpid()}, commit {commit})",
        flush=True,
    )
    if CRASH_S > 0:
        threading.Thread(target=_crash_later, args=(server,), daemon=True).start()
    server.serve_forever(poll_interval=0.5)
    print(
        f"{NAME}: Error: planned crash after {CRASH_S:g} s (the demo's unstable app)",
        file=sys.stderr,
        flush=True,
    )
    return 1


def _crash_later(server: ThreadingHTTPServer) -> None:
    time.sleep(random.uniform(0.5, 1.5) * CRASH_S)  # the planned crash: nothing waits on it
    server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
