"""Small process and polling helpers (Linux /proc). Processes are ended by pid, never by name."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll `check` until it returns a truthy value (returned) or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    uid: int
    start: int  # start time in clock ticks since boot: (pid, start) identifies a process
    state: str


def read_proc(pid: int) -> Proc | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            stat = f.read()
        uid = os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return Proc(pid, int(fields[1]), uid, int(fields[19]), fields[0])


def processes() -> list[Proc]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            p = read_proc(int(name))
            if p is not None:
                out.append(p)
    return out


def alive(p: Proc) -> bool:
    now = read_proc(p.pid)
    return now is not None and now.start == p.start and now.state not in ("Z", "X")


def descendants(pid: int) -> list[Proc]:
    table = processes()
    children: dict[int, list[Proc]] = {}
    for p in table:
        children.setdefault(p.ppid, []).append(p)
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child.pid)
    return out


def user_processes(uid: int) -> list[Proc]:
    return [p for p in processes() if p.uid == uid and p.state not in ("Z", "X")]


def end_processes(procs: Iterable[Proc], timeout: float = 5.0) -> None:
    """SIGTERM each (if it is still the same process), wait, then SIGKILL the rest."""
    procs = [p for p in procs if p.pid != os.getpid()]
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 2.0)):
        left = [p for p in procs if alive(p)]
        if not left:
            return
        for p in left:
            try:
                os.kill(p.pid, sig)
            except ProcessLookupError:
                pass
        try:
            wait_for(_all_ended(left), wait, "processes to end")
        except TimeoutError:
            continue


def _all_ended(procs: list[Proc]) -> Callable[[], bool]:
    return lambda: not any(alive(p) for p in procs)
