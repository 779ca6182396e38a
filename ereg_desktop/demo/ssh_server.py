"""The demo's SSH server: paramiko's server side, on loopback, inside the app's own process.

It accepts one client key (public-key authentication only), and runs each ``exec`` request the
way sshd does: the command text goes to ``bash -c`` (the account's shell), with the sandbox's
home as HOME and working folder and a plain environment. stdin, stdout and stderr are pumped
both ways by threads; the exit status is sent when the command ends; a channel the client closes
first ends the command's whole process group. Shell, pty, env and subsystem requests are
refused (the app never asks for them). :meth:`DemoSSHServer.stop` ends every command and joins
every thread.

POSIX only (bash, process groups): the demo needs a bash the app's commands can run in.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path

import paramiko

READ_SIZE = 32768
# how long an ended command's process group gets after SIGTERM before SIGKILL
KILL_GRACE_S = 2.0
# how often a running command's supervisor looks whether the client closed its channel
CLOSED_POLL_S = 0.2
# how often a connection's thread looks whether the server stops (between accepted channels)
ACCEPT_POLL_S = 0.2


def load_or_create_host_key(path: Path) -> paramiko.Ed25519Key:
    """The server's host key, made once (ed25519) and kept in ``path`` (mode 0600)."""
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519

        text = (
            ed25519.Ed25519PrivateKey.generate()
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.OpenSSH,
                serialization.NoEncryption(),
            )
            .decode("ascii")
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    return paramiko.Ed25519Key.from_private_key_file(str(path))


class _Transport(paramiko.Transport):
    """A server transport that says when it has answered a channel's request.

    paramiko answers an exec request only after ``check_channel_exec_request`` returned, and a
    command that ends at once could otherwise have its exit status and close sent before that
    answer: the client would see its channel closed before its command was accepted."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock)
        self.answered: dict[int, threading.Event] = {}
        self._answered_lock = threading.Lock()

    def answer_event(self, remote_chanid: int) -> threading.Event:
        with self._answered_lock:
            return self.answered.setdefault(remote_chanid, threading.Event())

    def forget(self, remote_chanid: int) -> None:
        with self._answered_lock:
            self.answered.pop(remote_chanid, None)

    def _send_user_message(self, data: object) -> None:
        super()._send_user_message(data)  # type: ignore[misc]
        raw = data.asbytes() if isinstance(data, paramiko.Message) else b""
        if raw[:1] in (_SUCCESS, _FAILURE) and len(raw) >= 5:
            self.answer_event(int.from_bytes(raw[1:5], "big")).set()


_SUCCESS = bytes([paramiko.common.MSG_CHANNEL_SUCCESS])
_FAILURE = bytes([paramiko.common.MSG_CHANNEL_FAILURE])
# how long a command's end waits for its exec request's answer to go out first
ANSWER_WAIT_S = 5.0


class _Interface(paramiko.ServerInterface):
    def __init__(self, server: DemoSSHServer) -> None:
        self._server = server

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if username == self._server.user and key == self._server.client_key:
            return paramiko.common.AUTH_SUCCESSFUL
        return paramiko.common.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.common.OPEN_SUCCEEDED
        return paramiko.common.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        return self._server.start_command(channel, command)

    # what the app never asks for is refused (the client is told, nothing breaks)
    def check_channel_pty_request(self, *args: object) -> bool:
        return False

    def check_channel_env_request(self, *args: object) -> bool:
        return False

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        return False

    def check_channel_subsystem_request(self, channel: paramiko.Channel, name: str) -> bool:
        return False


class _Command:
    """One exec request's process and the threads that pump its streams."""

    def __init__(self, chan: paramiko.Channel, proc: subprocess.Popen[bytes]) -> None:
        self.chan = chan
        self.proc = proc
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        assert self.proc.stdout is not None and self.proc.stderr is not None
        out = self._thread(self._pump_out, self.proc.stdout.fileno(), self.chan.sendall)
        err = self._thread(self._pump_out, self.proc.stderr.fileno(), self.chan.sendall_stderr)
        self._thread(self._pump_in)
        self._thread(self._supervise, out, err)

    def _thread(self, target: object, *args: object) -> threading.Thread:
        def guarded() -> None:
            try:
                target(*args)  # type: ignore[operator]
            except Exception:  # a client gone midway: paramiko raises many kinds
                self.kill()

        t = threading.Thread(target=guarded, daemon=True, name="demo-ssh-command")
        self.threads.append(t)
        t.start()
        return t

    @staticmethod
    def _pump_out(fd: int, send: object) -> None:
        try:
            while data := os.read(fd, READ_SIZE):
                send(data)  # type: ignore[operator]
        except (OSError, EOFError, paramiko.SSHException):
            pass  # the client went away: the supervisor ends the command

    def _pump_in(self) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            while data := self.chan.recv(READ_SIZE):
                stdin.write(data)
                stdin.flush()
        except (OSError, EOFError, paramiko.SSHException, ValueError):
            pass
        try:
            stdin.close()  # the client's EOF (or close) is the command's end of input
        except OSError:
            pass

    def _supervise(self, out: threading.Thread, err: threading.Thread) -> None:
        while True:
            try:
                code = self.proc.wait(CLOSED_POLL_S)
                break
            except subprocess.TimeoutExpired:
                if self.chan.closed:
                    self.kill()
        out.join()
        err.join()
        transport = self.chan.get_transport()
        if isinstance(transport, _Transport):
            transport.answer_event(self.chan.remote_chanid).wait(ANSWER_WAIT_S)
            transport.forget(self.chan.remote_chanid)
        try:
            self.chan.send_exit_status(code if code >= 0 else 128 - code)
        except (OSError, EOFError, paramiko.SSHException):
            pass
        self.chan.close()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def kill(self) -> None:
        """End the command's process group: TERM, then KILL after a grace."""
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(KILL_GRACE_S)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        except ProcessLookupError:
            pass


class DemoSSHServer:
    """``DemoSSHServer(host_key, client_key, home, env).start()``; then :attr:`port`."""

    def __init__(
        self,
        host_key: paramiko.PKey,
        client_key: paramiko.PKey,
        home: Path,
        env: Mapping[str, str],
        *,
        user: str = "demo",
        host: str = "127.0.0.1",
    ) -> None:
        self.host_key = host_key
        self.client_key = client_key
        self.home = home
        self.env = dict(env)
        self.user = user
        self.host = host
        self.port = 0
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._transports: list[paramiko.Transport] = []
        self._commands: list[_Command] = []

    @property
    def host_key_line(self) -> str:
        """The server's line for a known_hosts file (``[host]:port type base64``)."""
        name = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        return f"{name} {self.host_key.get_name()} {self.host_key.get_base64()}"

    def start(self) -> DemoSSHServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        sock.listen(64)
        self._sock = sock
        self.port = sock.getsockname()[1]
        self._spawn(self._accept_loop, name="demo-ssh-listener")
        return self

    def _spawn(self, target: object, *args: object, name: str) -> None:
        t = threading.Thread(target=target, args=args, daemon=True, name=name)  # type: ignore[arg-type]
        t.start()
        with self._lock:
            self._threads.append(t)

    def _accept_loop(self) -> None:
        sock = self._sock
        assert sock is not None
        while not self._stopping.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return  # closed by stop()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._spawn(self._serve, conn, name="demo-ssh-connection")

    def _serve(self, conn: socket.socket) -> None:
        transport = _Transport(conn)
        with self._lock:
            if self._stopping.is_set():
                conn.close()
                return
            self._transports.append(transport)
        transport.add_server_key(self.host_key)
        try:
            transport.start_server(server=_Interface(self))
            # the accepted channels queue up in the transport: take them and hold them (the
            # transport holds its channels weakly, and a channel closes when collected) until
            # they close; the exec request starts the command
            held: list[paramiko.Channel] = []
            while transport.is_active() and not self._stopping.is_set():
                chan = transport.accept(ACCEPT_POLL_S)
                held = [c for c in held if not c.closed]
                if chan is not None:
                    held.append(chan)
        except (paramiko.SSHException, EOFError, OSError):
            pass  # a client that went away or spoke no SSH
        finally:
            transport.close()
            with self._lock:
                if transport in self._transports:
                    self._transports.remove(transport)

    def start_command(self, chan: paramiko.Channel, command: bytes) -> bool:
        """Run ``command`` (bash -c) for ``chan``; False (refused) once the server stops."""
        with self._lock:
            if self._stopping.is_set():
                return False
            try:
                proc = subprocess.Popen(
                    ["bash", "-c", command.decode("utf-8", "surrogateescape")],
                    cwd=self.home,
                    env=self.env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    start_new_session=True,  # its own process group: a close ends all of it
                )
            except OSError:
                return False
            cmd = _Command(chan, proc)
            self._commands = [c for c in self._commands if c.proc.poll() is None]
            self._commands.append(cmd)
        cmd.start()
        return True

    def stop(self) -> None:
        """Stop listening, end every command, close every connection, join every thread."""
        with self._lock:
            if self._stopping.is_set():
                return
            self._stopping.set()
            commands = list(self._commands)
            transports = list(self._transports)
        if self._sock is not None:
            try:  # wakes the blocked accept() (a close alone does not, on Linux)
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
        for cmd in commands:
            cmd.kill()
        for transport in transports:
            transport.close()
        for cmd in commands:
            for t in cmd.threads:
                t.join(10)
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(10)

    def __enter__(self) -> DemoSSHServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
