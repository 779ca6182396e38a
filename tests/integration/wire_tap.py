"""``python wire_tap.py FILE ARGS...``: the real ``ereg-desktop`` CLI with every byte its SSH
channels received (stdout and stderr of each remote command) appended to FILE. Tests only: it
shows what crossed the connection, to prove a secret did not."""

from __future__ import annotations

import sys
import threading
from typing import Any

import paramiko


def main() -> int:
    out = open(sys.argv[1], "ab")  # open for the life of the process
    lock = threading.Lock()
    recv, recv_stderr = paramiko.Channel.recv, paramiko.Channel.recv_stderr

    def keep(data: bytes) -> bytes:
        with lock:
            out.write(data)
            out.flush()
        return data

    def tapped_recv(self: paramiko.Channel, nbytes: int) -> Any:
        return keep(recv(self, nbytes))

    def tapped_recv_stderr(self: paramiko.Channel, nbytes: int) -> Any:
        return keep(recv_stderr(self, nbytes))

    paramiko.Channel.recv = tapped_recv  # type: ignore[method-assign]
    paramiko.Channel.recv_stderr = tapped_recv_stderr  # type: ignore[method-assign]
    from ereg_desktop.cli import main as cli_main

    return cli_main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
