"""The server the app talks to, built for real on this machine (see ARCHITECTURE.md, Tests).

Loopback OpenSSH sshd, a test user, pm2 from npm running as that user, node apps in git clones of
local bare repositories, and the helper commands `pm2-deploy` / `update-translations` on the user's
login PATH. Needs root. Build with `Sandbox().start()`, end with `close()` (idempotent).
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import secrets
import shlex
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from .apps import (
    APP_SPECS,
    LOCAL_EXCLUDES,
    SCAN_MAP,
    AppSpec,
    data_text,
    initial_files,
    json_text,
    scan_map,
)
from .procs import (
    Proc,
    alive,
    descendants,
    end_processes,
    free_port,
    port_open,
    read_proc,
    user_processes,
    wait_for,
)

PM2_SPEC = "pm2@7"
HOME_MARKER = ".ereg-sandbox-home"
SANDBOX_PREFIX = "ereg-sandbox-"
SKEL_NAMES = {".bashrc", ".profile", ".bash_logout"}
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
PROFILE_BLOCK = """
# >>> ereg-desktop test sandbox (as nvm would): node tools on the login PATH only >>>
export PM2_HOME="$HOME/.pm2"
export PATH="{path}:$PATH"
# <<< ereg-desktop test sandbox <<<
"""


class SandboxError(RuntimeError):
    pass


def cache_dir() -> Path:
    return Path(os.environ.get("EREG_TEST_CACHE") or Path.home() / ".cache/ereg-desktop-tests")


def _run(
    args: Sequence[str],
    *,
    check: bool = True,
    timeout: float = 60,
    **kw: object,
) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, **kw)
    if check and res.returncode != 0:
        raise SandboxError(
            f"{shlex.join(args)} -> exit {res.returncode}\n"
            f"stdout:\n{res.stdout[-4000:]}\nstderr:\n{res.stderr[-4000:]}"
        )
    return res


def _keygen(path: Path) -> None:
    _run(
        [
            "ssh-keygen",
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            f"sandbox-{path.stem}",
            "-f",
            str(path),
        ]
    )


def _world_can_exec(path: Path) -> bool:
    """Every parent dir traversable by others and the file readable+executable by others."""
    path = path.resolve()
    if path.stat().st_mode & 0o005 != 0o005:
        return False
    return all(parent.stat().st_mode & 0o001 for parent in path.parents)


def ensure_pm2_cache() -> Path:
    """`npm install --prefix CACHE/pm2 pm2@7` once (reused across runs); returns the prefix."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    prefix = root / "pm2"
    stamp = prefix / "node_modules/pm2/package.json"
    with open(root / "pm2.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and json.loads(stamp.read_text())["version"].startswith("7."):
            return prefix
        npm = shutil.which("npm")
        if not npm:
            raise SandboxError("npm not found: needed once to install pm2 into " + str(prefix))
        tmp = Path(tempfile.mkdtemp(prefix="pm2-", dir=root))
        _run(
            [npm, "install", "--prefix", str(tmp), "--no-audit", "--no-fund", PM2_SPEC], timeout=600
        )
        shutil.rmtree(prefix, ignore_errors=True)
        tmp.rename(prefix)
    return prefix


def _copy_tree(src: Path, dst: Path) -> None:
    """Hard-link copy (fast) with a plain copy as fallback (other file system)."""
    if _run(["cp", "-al", str(src), str(dst)], check=False).returncode != 0:
        shutil.rmtree(dst, ignore_errors=True)
        _run(["cp", "-a", str(src), str(dst)])


def cleanup_stale_sandboxes() -> None:
    """Remove sandboxes left by a killed test run: end their sshd (by recorded pid) and files."""
    for d in Path(tempfile.gettempdir()).glob(SANDBOX_PREFIX + "*"):
        try:
            owner = json.loads((d / "owner.json").read_text())
        except (OSError, ValueError):
            continue
        if alive(Proc(**owner["owner"])):
            continue
        if owner.get("sshd"):
            end_processes([Proc(**owner["sshd"])])
        shutil.rmtree(d, ignore_errors=True)


class Sandbox:
    """The sandbox server. Main API (all paths are pathlib.Path):

    host, port, user, home, uid, pm2_home, apps (names), specs, secrets (all planted strings),
    app_secrets[app] {FAKE_DB_PASSWORD, API_TOKEN_FAKE, arg}, app_ports[app], client_key_path,
    client_key_text, host_key_path, known_hosts_path, sshd_log_path, root (sandbox dir);
    app_url(app), app_dir(app), bare_repo(app), head(app), origin_head(app, branch),
    push_commit(app, files, message) -> sha, write_app_file(app, rel, text),
    write_app_bytes(app, rel, data),
    set_setup(app, seconds=, fail=), run_as_user(cmd, login=True, check=, timeout=, input=, env=,
    cwd=), git(app_or_path, *args), pm2(*args), pm2_jlist(), pm2_jlist_raw(), pm2_process(app),
    pm2_status(app), http_get(app), wait_online(app), wait_all_online(), stop_sshd(kill_sessions=),
    start_sshd(), restart_sshd(new_host_key=True), host_key_fingerprint(), host_key_public(),
    known_hosts_line(), write_user_file(path, text), start(), close().
    """

    def __init__(self, user: str | None = None, keep: bool | None = None) -> None:
        # Concurrent test sessions on one machine each take their own user (eregtest, eregtest2..)
        # under a lock held for the whole session; an explicitly named user is waited for.
        self._fixed_user = user or os.environ.get("EREG_TEST_USER")
        self.user = self._fixed_user or "eregtest"
        self._user_lock: IO[str] | None = None
        self.keep = bool(os.environ.get("EREG_TEST_KEEP")) if keep is None else keep
        self.host = "127.0.0.1"
        self.port = 0
        self.specs: dict[str, AppSpec] = {s.name: s for s in APP_SPECS}
        self.apps: list[str] = list(self.specs)
        self.app_ports: dict[str, int] = {}
        self.secrets: list[str] = []
        self.app_secrets: dict[str, dict[str, str]] = {}
        self.root: Path | None = None
        self._sshd: subprocess.Popen[bytes] | None = None
        self._sshd_sessions: list[Proc] = []
        self._closed = False

    # ----- paths ---------------------------------------------------------------------------
    @property
    def home(self) -> Path:
        return Path(pwd.getpwnam(self.user).pw_dir)

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.user).pw_uid

    @property
    def gid(self) -> int:
        return pwd.getpwnam(self.user).pw_gid

    @property
    def pm2_home(self) -> Path:
        return self.home / ".pm2"

    @property
    def _dir(self) -> Path:
        assert self.root is not None, "sandbox not started"
        return self.root

    @property
    def client_key_path(self) -> Path:
        return self._dir / "private/client_ed25519"

    @property
    def client_key_text(self) -> str:
        return self.client_key_path.read_text()

    @property
    def host_key_path(self) -> Path:
        return self._dir / "private/host_ed25519"

    @property
    def known_hosts_path(self) -> Path:
        """A known_hosts file holding the current host key (rewritten on restart_sshd)."""
        return self._dir / "private/known_hosts"

    @property
    def sshd_log_path(self) -> Path:
        return self._dir / "private/sshd.log"

    def bare_repo(self, app: str) -> Path:
        return self._dir / "repos" / f"{app}.git"

    def app_dir(self, app: str) -> Path:
        return self.home / app

    def app_url(self, app: str) -> str:
        return f"http://127.0.0.1:{self.app_ports[app]}/"

    # ----- build ---------------------------------------------------------------------------
    def start(self) -> Sandbox:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        if os.geteuid() != 0:
            raise SandboxError("the sandbox needs root (useradd, runuser, sshd)")
        self._lock_user()
        cleanup_stale_sandboxes()
        pm2_prefix = ensure_pm2_cache()
        self.root = Path(tempfile.mkdtemp(prefix=SANDBOX_PREFIX))
        self._dir.chmod(0o755)
        for sub, mode in (("private", 0o700), ("ak", 0o755), ("shared", 0o755)):
            (self._dir / sub).mkdir(mode=mode)
            (self._dir / sub).chmod(mode)
        self._write_owner()
        self._ensure_user()
        end_processes(user_processes(self.uid))  # left over by a killed earlier run
        self._reset_home()
        path_dirs = self._share_tools(pm2_prefix)
        self._write_login_files(path_dirs)
        for sub in ("repos", "work"):
            (self._dir / sub).mkdir()
            os.chown(self._dir / sub, self.uid, self.gid)
        self._seed_apps()
        self._keys()
        self.start_sshd()
        self._start_apps()

    def _lock_user(self) -> None:
        locks = Path(tempfile.gettempdir()) / "ereg-sandbox-locks"
        locks.mkdir(mode=0o700, exist_ok=True)
        names = [self._fixed_user] if self._fixed_user else ["eregtest"]
        if not self._fixed_user:
            names += [f"eregtest{i}" for i in range(2, 9)]

        def take() -> bool:
            for name in names:
                f = open(locks / f"{name}.lock", "w")
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    f.close()
                    continue
                self.user, self._user_lock = name, f
                return True
            return False

        wait_for(take, 300, f"a free sandbox user among {names}", interval=0.5)

    def _write_owner(self) -> None:
        me = read_proc(os.getpid())
        assert me is not None
        sshd = read_proc(self._sshd.pid) if self._sshd and self._sshd.poll() is None else None
        data = {"owner": vars(me), "sshd": vars(sshd) if sshd else None}
        (self._dir / "owner.json").write_text(json.dumps(data))

    def _ensure_user(self) -> None:
        try:
            pwd.getpwnam(self.user)
            created = False
        except KeyError:
            _run(["useradd", "-m", "-s", "/bin/bash", self.user])
            created = True
        _run(["usermod", "-p", "*", self.user])  # unlocked: '!' is refused with UsePAM no
        home = self.home
        names = {p.name for p in home.iterdir()} if home.is_dir() else set()
        if not (created or HOME_MARKER in names or names <= SKEL_NAMES):
            raise SandboxError(
                f"user {self.user} exists and its home {home} is not a sandbox home "
                f"(no {HOME_MARKER}); refusing to wipe it. Set EREG_TEST_USER to another name."
            )

    def _reset_home(self) -> None:
        home = self.home
        home.mkdir(parents=True, exist_ok=True)
        for p in home.iterdir():
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
        for p in Path("/etc/skel").iterdir():
            if p.is_file():
                shutil.copy2(p, home / p.name)
        (home / HOME_MARKER).write_text(
            "home of the ereg-desktop test sandbox user: wiped freely\n"
        )
        (home / "bin").mkdir()
        for name in ("pm2-deploy", "update-translations"):
            (home / "bin" / name).write_text(data_text(name))
            (home / "bin" / name).chmod(0o755)
        (home / ".gitconfig").write_text(
            "[user]\n\tname = eRegistrations Server\n\temail = server@sandbox.invalid\n"
            "[init]\n\tdefaultBranch = master\n[advice]\n\tdetachedHead = false\n"
        )
        (home / ".npmrc").write_text("update-notifier=false\nfund=false\naudit=false\n")
        home.chmod(0o755)
        self._chown_tree(home)

    def _share_tools(self, pm2_prefix: Path) -> list[str]:
        """Make node, npm and pm2 usable by the user; returns the dirs for its login PATH."""
        shared = self._dir / "shared"
        _copy_tree(pm2_prefix, shared / "pm2")
        node_bin = shared / "node/bin"
        node_bin.mkdir(parents=True)
        node = shutil.which("node")
        npm = shutil.which("npm")
        if not node or not npm:
            raise SandboxError("node and npm must be on PATH")
        node_real = Path(node).resolve()
        if _world_can_exec(node_real):
            (node_bin / "node").symlink_to(node_real)
        else:
            shutil.copy2(node_real, node_bin / "node")
            (node_bin / "node").chmod(0o755)
        npm_cli = Path(npm).resolve()  # .../node_modules/npm/bin/npm-cli.js
        if _world_can_exec(npm_cli):
            (node_bin / "npm").symlink_to(npm_cli)
        else:
            _copy_tree(npm_cli.parents[1], shared / "npm")
            (node_bin / "npm").write_text(
                f'#!/bin/sh\nexec "{node_bin}/node" "{shared}/npm/bin/npm-cli.js" "$@"\n'
            )
            (node_bin / "npm").chmod(0o755)
        return [str(node_bin), str(shared / "pm2/node_modules/.bin")]

    def _write_login_files(self, path_dirs: list[str]) -> None:
        block = PROFILE_BLOCK.format(path=":".join(path_dirs))
        for name in (".profile", ".bashrc"):  # .bashrc: after its "not interactive: return"
            with open(self.home / name, "a") as f:
                f.write(block)

    def _chown_tree(self, top: Path) -> None:
        os.chown(top, self.uid, self.gid)
        for dirpath, dirnames, filenames in os.walk(top):
            for n in dirnames + filenames:
                os.lchown(os.path.join(dirpath, n), self.uid, self.gid)

    def write_user_file(self, path: Path | str, text: str, mode: int = 0o644) -> None:
        """Write a file (and its parent dirs) owned by the test user."""
        path = Path(path)
        missing = [p for p in [path.parent, *path.parent.parents] if not p.exists()]
        path.parent.mkdir(parents=True, exist_ok=True)
        for p in missing:
            os.chown(p, self.uid, self.gid)
        path.write_text(text, encoding="utf-8")
        path.chmod(mode)
        os.chown(path, self.uid, self.gid)

    def _seed_apps(self) -> None:
        lines = ["set -e"]
        for app in self.apps:
            seed = self._dir / "work" / f"seed-{app}"
            for rel, text in initial_files(app).items():
                self.write_user_file(seed / rel, text)
            repo, q = self.bare_repo(app), shlex.quote
            excludes = "\\n".join(LOCAL_EXCLUDES)
            lines += [
                f"git init -q --bare --shared=0666 -b master {q(str(repo))}",
                # --shared denies non-fast-forward pushes; GitHub allows them on a branch without
                # protection, and update-translations force-pushes server-translations
                f"git -C {q(str(repo))} config receive.denyNonFastForwards false",
                f"cd {q(str(seed))} && git init -q -b master && git add -A",
                "git commit -q -m 'Initial commit'",
                f"git push -q {q(str(repo))} master",
                f"cd ~ && git clone -q {q(str(repo))} {q(app)}",
                f"printf '{excludes}\\n' >> {q(app)}/.git/info/exclude",
            ]
        self._check(self.run_as_user("\n".join(lines), login=False), "seeding the app repos")
        for app in self.apps:  # as an earlier `npm run setup` left it (not in git)
            self.write_user_file(self.app_dir(app) / SCAN_MAP, json_text(scan_map(app)))

    def _keys(self) -> None:
        priv = self._dir / "private"
        _keygen(self.host_key_path)
        _keygen(self.client_key_path)
        ak = self._dir / "ak" / self.user
        shutil.copy(str(self.client_key_path) + ".pub", ak)
        ak.chmod(0o644)
        (priv / "sshd_config").write_text(
            f"ListenAddress 127.0.0.1\nHostKey {self.host_key_path}\nPidFile {priv}/sshd.pid\n"
            f"AuthorizedKeysFile {self._dir}/ak/%u\nAllowUsers {self.user}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\n"
            "UsePAM no\nStrictModes no\nUseDNS no\nPrintMotd no\nPrintLastLog no\n"
            "X11Forwarding no\nMaxSessions 64\nMaxStartups 64:30:128\n"
            "Subsystem sftp internal-sftp\n"
        )

    # ----- sshd ----------------------------------------------------------------------------
    def start_sshd(self) -> None:
        if self._sshd is not None and self._sshd.poll() is None:
            return
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        Path("/run/sshd").chmod(0o755)
        cfg = self._dir / "private/sshd_config"
        if not self.port:
            self.port = free_port()
        argv = ["/usr/sbin/sshd", "-D", "-e", "-f", str(cfg), "-o", f"Port={self.port}"]
        _run([*argv, "-t"])
        with open(self.sshd_log_path, "ab") as log:
            self._sshd = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )
        self._write_owner()
        proc = self._sshd

        def up() -> bool:
            if proc.poll() is not None:
                raise SandboxError(f"sshd exited {proc.returncode}:\n{self._sshd_log_tail()}")
            return port_open(self.host, self.port)

        wait_for(up, 15, f"sshd on {self.host}:{self.port}")
        self.known_hosts_path.write_text(self.known_hosts_line() + "\n")

    def stop_sshd(self, kill_sessions: bool = False) -> None:
        """Stop the listener: new connections fail. Open sessions live on (as with a real sshd
        restart) unless kill_sessions; they are ended at teardown in any case."""
        proc, self._sshd = self._sshd, None
        if proc is None:
            return
        sessions = descendants(proc.pid)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if kill_sessions:
            end_processes(sessions)
        else:
            self._sshd_sessions += sessions
        wait_for(lambda: not port_open(self.host, self.port), 10, "sshd port to close")
        if self.root:
            self._write_owner()

    def restart_sshd(self, new_host_key: bool = True, kill_sessions: bool = False) -> None:
        """Same port; with new_host_key a fresh host key (to test a changed-key refusal)."""
        self.stop_sshd(kill_sessions=kill_sessions)
        if new_host_key:
            for p in (self.host_key_path, Path(str(self.host_key_path) + ".pub")):
                p.unlink()
            _keygen(self.host_key_path)
        self.start_sshd()

    def host_key_fingerprint(self) -> str:
        """`SHA256:...` exactly as `ssh-keygen -l -f hostkey.pub` prints it."""
        out = _run(["ssh-keygen", "-l", "-f", str(self.host_key_path) + ".pub"]).stdout
        return out.split()[1]

    def host_key_public(self) -> str:
        """`ssh-ed25519 AAAA...` (type and base64)."""
        text = Path(str(self.host_key_path) + ".pub").read_text()
        return " ".join(text.split()[:2])

    def known_hosts_line(self) -> str:
        return f"[{self.host}]:{self.port} {self.host_key_public()}"

    def _sshd_log_tail(self) -> str:
        try:
            return self.sshd_log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    # ----- running things as the user -------------------------------------------------------
    def user_env(self) -> dict[str, str]:
        return {
            "HOME": str(self.home),
            "USER": self.user,
            "LOGNAME": self.user,
            "SHELL": "/bin/bash",
            "PATH": BASE_PATH,
            "LANG": "C.UTF-8",
        }

    def run_as_user(
        self,
        cmd: Sequence[str] | str,
        login: bool = True,
        *,
        check: bool = False,
        timeout: float = 120,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run as the test user with a clean environment: `bash -lc CMD` (login: the PATH of an
        SSH login shell) or `bash -c CMD` (like a plain exec: no pm2 on PATH)."""
        script = cmd if isinstance(cmd, str) else shlex.join(cmd)
        if cwd is not None:
            script = f"cd {shlex.quote(str(cwd))} && {script}"
        envs = [f"{k}={v}" for k, v in {**self.user_env(), **(env or {})}.items()]
        argv = ["runuser", "-u", self.user, "--", "env", "-i", *envs]
        argv += ["bash", "-lc" if login else "-c", script]
        res = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, input=input, cwd=self.home
        )
        if check:
            self._check(res, script)
        return res

    @staticmethod
    def _check(res: subprocess.CompletedProcess[str], what: str) -> None:
        if res.returncode != 0:
            raise SandboxError(
                f"{what}: exit {res.returncode}\nstdout:\n{res.stdout[-4000:]}\n"
                f"stderr:\n{res.stderr[-4000:]}"
            )

    def git(self, app_or_path: str | Path, *args: str, check: bool = True) -> str:
        """git as the user in ~/APP (or in a path, e.g. a bare repo); returns stripped stdout."""
        where = self.app_dir(app_or_path) if isinstance(app_or_path, str) else app_or_path
        res = self.run_as_user(["git", "-C", str(where), *args], login=False, check=check)
        return res.stdout.strip()

    def pm2(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return self.run_as_user(["pm2", *args], check=check)

    def pm2_jlist_raw(self) -> str:
        return self.run_as_user(["pm2", "jlist"], check=True).stdout

    def pm2_jlist(self) -> list[dict]:
        """Parsed `pm2 jlist` (last stdout line that is a JSON array)."""
        out = self.pm2_jlist_raw()
        for line in reversed(out.splitlines()):
            line = line.strip()
            if line == "[]" or line.startswith("[{"):
                return list(json.loads(line))
        raise SandboxError(f"no JSON array in pm2 jlist output:\n{out[-2000:]}")

    def pm2_process(self, app: str) -> dict | None:
        return next((p for p in self.pm2_jlist() if p["name"] == app), None)

    def pm2_status(self, app: str) -> str | None:
        p = self.pm2_process(app)
        return p["pm2_env"]["status"] if p else None

    def http_get(self, app: str, timeout: float = 2) -> dict | None:
        """The app's JSON answer ({app, commit, pid, heldMb}) or None if it does not answer."""
        try:
            with urllib.request.urlopen(self.app_url(app), timeout=timeout) as r:
                return dict(json.loads(r.read()))
        except (OSError, ValueError):
            return None

    def wait_online(self, app: str, timeout: float = 30) -> dict:
        """Wait for pm2 status online and (for stable apps) an HTTP answer; returns the process."""

        def ready() -> dict | None:
            p = self.pm2_process(app)
            if not p or p["pm2_env"]["status"] != "online":
                return None
            if self.specs[app].stable and self.http_get(app) is None:
                return None
            return p

        return wait_for(ready, timeout, f"{app} online", interval=0.2)

    # ----- git -----------------------------------------------------------------------------
    def head(self, app: str) -> str:
        return self.git(app, "rev-parse", "HEAD")

    def origin_head(self, app: str, branch: str = "master") -> str:
        return self.git(self.bare_repo(app), "rev-parse", f"refs/heads/{branch}")

    def push_commit(self, app: str, files: Mapping[str, str | None], message: str) -> str:
        """Commit files (None = delete) on the bare repo's master through a separate clone, so
        ~/APP is then behind origin. Returns the new commit's sha."""
        work = self._dir / "work" / f"push-{app}"
        shutil.rmtree(work, ignore_errors=True)
        self.run_as_user(
            ["git", "clone", "-q", str(self.bare_repo(app)), str(work)], login=False, check=True
        )
        for rel, text in files.items():
            if text is None:
                (work / rel).unlink()
            else:
                self.write_user_file(work / rel, text)
        self.git(work, "add", "-A")
        self.git(work, "commit", "-q", "-m", message)
        self.git(work, "push", "-q", "origin", "HEAD:master")
        return self.git(work, "rev-parse", "HEAD")

    def write_app_file(self, app: str, rel: str, text: str) -> None:
        """Change a file in ~/APP's working tree (e.g. the Meta Admin writing translations)."""
        self.write_user_file(self.app_dir(app) / rel, text)

    def write_app_bytes(self, app: str, rel: str, data: bytes) -> None:
        """Like write_app_file, for exact bytes (a binary file, a name git must quote)."""
        path = self.app_dir(app) / rel
        self.write_user_file(path, "")
        path.write_bytes(data)

    def set_setup(self, app: str, seconds: float | None = None, fail: bool | None = None) -> None:
        """How ~/APP's `npm run setup` behaves next: duration and/or failure."""
        if seconds is not None:
            self.write_user_file(self.app_dir(app) / ".setup-seconds", f"{seconds}\n")
        if fail is True:
            self.write_user_file(self.app_dir(app) / "FAIL_SETUP", "setup fails while present\n")
        elif fail is False:
            (self.app_dir(app) / "FAIL_SETUP").unlink(missing_ok=True)

    # ----- apps under pm2 -------------------------------------------------------------------
    def _start_apps(self) -> None:
        lines = ["set -e"]
        for app, spec in self.specs.items():
            token = secrets.token_hex(6)
            planted = {
                "FAKE_DB_PASSWORD": f"FAKE-s3cret-not-real-{token}",
                "API_TOKEN_FAKE": f"tok_FAKE_{token}",
                "arg": f"FAKE_ARG_SECRET_{token}",
            }
            self.app_secrets[app] = planted
            self.secrets += planted.values()
            self.app_ports[app] = free_port()
            env = {
                "PORT": str(self.app_ports[app]),
                "FAKE_DB_PASSWORD": planted["FAKE_DB_PASSWORD"],
                "API_TOKEN_FAKE": planted["API_TOKEN_FAKE"],
                **spec.env,
            }
            start = ["pm2", "start", "server.js", "--name", app, *spec.pm2_options]
            start += ["--", f"--fake-token={planted['arg']}"]
            envs = shlex.join(f"{k}={v}" for k, v in env.items())
            lines.append(f"cd ~/{shlex.quote(app)} && env {envs} {shlex.join(start)} >/dev/null")
        self._check(self.run_as_user("\n".join(lines)), "starting the apps under pm2")
        self.wait_all_online()

    def wait_all_online(self, timeout: float = 30) -> None:
        """Wait until every sandbox app is online in pm2 and the stable ones answer HTTP."""

        def ready() -> bool:
            status = {p["name"]: p["pm2_env"]["status"] for p in self.pm2_jlist()}
            if any(status.get(app) != "online" for app in self.apps):
                return False
            return all(self.http_get(a) for a in self.apps if self.specs[a].stable)

        wait_for(ready, timeout, "all sandbox apps online", interval=0.2)

    # ----- teardown ------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        errors: list[str] = []

        def attempt(what: str, fn: object) -> None:
            try:
                fn()  # type: ignore[operator]
            except Exception as e:
                errors.append(f"{what}: {e}")

        try:
            uid: int | None = self.uid
        except KeyError:
            uid = None
        if uid is not None and self.root is not None:
            attempt("pm2 kill", lambda: self.run_as_user(["pm2", "kill"], timeout=60))
        if uid is not None:
            attempt("ending user processes", lambda: end_processes(user_processes(uid)))
        attempt("stopping sshd", lambda: self.stop_sshd(kill_sessions=True))
        attempt("ending sshd sessions", lambda: end_processes(self._sshd_sessions))
        if not self.keep:
            if uid is not None and self.root is not None:
                attempt("wiping the user's home", self._reset_home)
            if self.root is not None:
                attempt("removing the sandbox dir", lambda: shutil.rmtree(self._dir))
        if uid is not None:
            left = user_processes(uid)
            if left:
                errors.append(f"processes of {self.user} still running: {[p.pid for p in left]}")
        if self._user_lock is not None:
            self._user_lock.close()
            self._user_lock = None
        if errors:
            raise SandboxError("sandbox teardown: " + "; ".join(errors))

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
