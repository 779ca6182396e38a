"""Run the real ``ereg-desktop`` CLI as a subprocess against the sandbox: its own config folder
(an inventory of the sandbox's apps, the pinned host key) and a keyring in a file that the child
processes share."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"

INVENTORY = """\
format = 1

[operator]
name = "Tester"

[[servers]]
id = "sandbox"
host = "{host}"
port = {port}
user = "{user}"

[[systems]]
name = "Sandbox"
owner = "{owner}"
{deployments}
"""
DEPLOYMENT = """
  [[systems.deployments]]
  environment = "development"
  server = "sandbox"
  app = "{app}"
  url = "{url}"
  track = "master"
"""


@dataclass
class Cli:
    """``ereg-desktop`` with ``--config-dir`` set up for the sandbox."""

    config_dir: Path
    env: dict[str, str]

    def argv(self, *args: str | bytes) -> list[str | bytes]:
        return [sys.executable, "-m", "ereg_desktop", "--config-dir", str(self.config_dir), *args]

    def run(self, *args: str | bytes, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args), env=self.env, capture_output=True, text=True, timeout=timeout,
            errors="replace",
            stdin=subprocess.DEVNULL, cwd=ROOT,
        )  # fmt: skip

    def start(self, *args: str | bytes, log: Path) -> subprocess.Popen[bytes]:
        """The CLI in the background, its output (both streams) into ``log``."""
        out = open(log, "wb")
        try:
            return subprocess.Popen(
                self.argv(*args), env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, cwd=ROOT,
            )  # fmt: skip
        finally:
            out.close()


def make_cli(box: Any, tmp: Path, apps: list[str], owner: str = "Tester") -> Cli:
    """``owner`` other than the operator (Tester): every update needs a reason."""
    cfg = tmp / "cfg"
    cfg.mkdir(parents=True, exist_ok=True)
    deployments = "".join(DEPLOYMENT.format(app=a, url=box.app_url(a)) for a in apps)
    (cfg / "inventory.toml").write_text(
        INVENTORY.format(
            host=box.host, port=box.port, user=box.user, owner=owner, deployments=deployments
        )  # fmt: skip
    )
    (cfg / "known_hosts").write_text(box.known_hosts_line() + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "XDG_"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), str(TESTS)]),
        EREG_DESKTOP_KEYRING="file_keyring:FileKeyring",
        EREG_TEST_KEYRING_FILE=str(tmp / "keyring.json"),
        HOME=str(tmp),
        LANG="C.UTF-8",
    )
    env.pop("EREG_KEY_PASSPHRASE", None)
    cli = Cli(cfg, env)
    res = cli.run("keys", "import", str(box.client_key_path))
    assert res.returncode == 0, res.stderr
    return cli
