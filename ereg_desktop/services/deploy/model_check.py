"""The authoritative translations check: does the server's model load with the candidate file?

dbjs-ext's ``StringLine`` rejects line breaks (and a few other characters); a translation holding
one, used as a fixed label in the model, makes the model throw at load, so the server does not
start. The offline checks can only guess which keys are model-bound; this one asks the model.

It runs in ``~/APP`` while the app is still running, so the real ``i18n-messages.json`` is never
touched: the candidate goes through stdin into a temp file (removed on exit), and a small
``node -e`` answers every ``fs.readFileSync`` of the real file's path (and so ``require``'s JSON
loader) with the temp file, then requires ``./server/model`` under ``timeout``. A marker with a
per-run nonce says it loaded; the exit code and the error say why not. A server without
``server/model.js``, ``node`` or ``timeout`` cannot run it: that is said, and never blocks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ereg_desktop.errors import BadInputError, ConnectionProblem
from ereg_desktop.services.deploy.steps import (
    STATE_DIR,
    CommandKind,
    RemoteCommand,
    UploadShell,
    check_app,
    script,
)
from ereg_desktop.services.deploy.upload import MARK, framed, receive_lines
from ereg_desktop.services.i18n.findings import CheckId, Finding, Severity
from ereg_desktop.services.shown_text import printable

DEFAULT_TIMEOUT_S = 60.0
MAX_TIMEOUT_S = 3600.0
KILL_AFTER_S = 5  # `timeout -k`: a model that ignores SIGTERM is killed this much later
UPLOAD_MARGIN_S = 30.0  # the remote command's limit beyond the model's: the upload, node start
MESSAGE_CAP = 300
OUTPUT_CAP = 20000
_NONCE_RE = re.compile(r"[0-9a-f]{16}\Z")
_TIMED_OUT = (124, 137)  # `timeout`'s exit when the limit passed (137: killed after -k)

# The node side. argv: the real file's absolute path, the candidate's, the nonce (taken off
# process.argv before the model loads, so nothing it runs can print a marker of this run).
NODE_SCRIPT = r"""'use strict';
const fs = require('fs');
const path = require('path');
const url = require('url');
const [real, candidate, nonce] = process.argv.splice(1, 3);
const targets = new Set([path.resolve(real)]);
try { targets.add(fs.realpathSync(real)); } catch (e) { /* require() will say it is missing */ }
const readFileSync = fs.readFileSync;
fs.readFileSync = function (file, ...rest) {
  let name = null;
  if (typeof file === 'string') name = file;
  else if (file instanceof URL && file.protocol === 'file:') name = url.fileURLToPath(file);
  else if (Buffer.isBuffer(file)) name = file.toString();
  if (name !== null && targets.has(path.resolve(name))) file = candidate;
  return readFileSync.call(this, file, ...rest);
};
const say = (what, text) =>
  process.stdout.write(`\n@@ereg-desktop:${what} ${nonce} ${JSON.stringify(text)}\n`);
try {
  require(path.resolve('server/model'));
} catch (e) {
  const isObject = e !== null && typeof e === 'object';
  const name = isObject && e.name ? String(e.name) : 'Error';
  say('model-error', `${name}: ${isObject && 'message' in e ? String(e.message) : String(e)}`);
  process.stderr.write(`${(isObject && e.stack) || e}\n`);
  process.exit(3);
}
say('model-loaded', '');
process.exit(0);
"""

_SKIPPED = {
    "no-app": "no app folder ~/{app}",
    "no-model": "no server/model.js",
    "no-node": "node is not on the login PATH of the server",
    "no-timeout": "the server has no `timeout` command",
    "no-temp": f"no temp file could be made in ~/{STATE_DIR}/tmp",
}


@dataclass(frozen=True)
class ModelCheck:
    """How the model check went. ``ran``: the model was loaded (False: it could not run, which
    never blocks); ``ok``: it loaded with the candidate; ``timed_out``: it did not finish in
    time (a failure)."""

    ran: bool
    ok: bool
    message: str
    seconds: float
    output: str = ""  # what node printed (without the markers), capped, for a log
    timed_out: bool = False

    def finding(self) -> Finding | None:
        """A blocking ``model-load`` finding when the model ran and did not load; else None."""
        if not self.ran or self.ok:
            return None
        return Finding(None, CheckId.MODEL_LOAD, Severity.ERROR, self.message)


def model_check_wanted(environment: str, requested: bool | None = None) -> bool:
    """The setting: on for production, off for development (and anything else), unless asked
    for (``--model-check``) or declined (``--no-model-check``)."""
    return requested if requested is not None else environment == "production"


def _seconds_arg(timeout_s: float) -> str:
    if not 0 < timeout_s <= MAX_TIMEOUT_S:
        raise BadInputError(f"the model check's time limit must be 0-{MAX_TIMEOUT_S:g} s")
    return f"{timeout_s:.3f}".rstrip("0").rstrip(".")


def model_check_command(app: str, timeout_s: float) -> RemoteCommand:
    """$1 the app's folder, $2 the time limit in seconds, $3 the node script; the candidate on
    stdin (:func:`~.upload.framed`). Changes nothing: the temp file is removed on exit."""
    skipped = f'{{ echo "{MARK}model-check-skipped '
    return script(
        f"check that the model of {app} loads with the new translations",
        [
            "set -u",
            "cd || exit 3",
            f'cd -- "$1" 2>/dev/null || {skipped}no-app"; exit 0; }}',
            "[ -f server/model.js ] || [ -f server/model/index.js ] || "
            f'{skipped}no-model"; exit 0; }}',
            f'command -v node >/dev/null 2>&1 || {skipped}no-node"; exit 0; }}',
            f'command -v timeout >/dev/null 2>&1 || {skipped}no-timeout"; exit 0; }}',
            f'dir="$HOME/{STATE_DIR}/tmp"',
            'mkdir -p -- "$dir" && tmp=$(mktemp "$dir/model-check.XXXXXX") || '
            f'{skipped}no-temp"; exit 0; }}',
            "trap 'rm -f -- \"$tmp\"' EXIT",
            "trap 'rm -f -- \"$tmp\"; exit 1' HUP INT PIPE TERM",
            *receive_lines("tmp"),
            "nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \\n')",
            f'echo "{MARK}model-check-started $nonce"',
            f'timeout -k {KILL_AFTER_S} "$2" node -e "$3" "$PWD/i18n-messages.json" "$tmp" "$nonce"',
            f'echo "{MARK}model-check-exit $nonce $?"',
        ],
        check_app(app),
        _seconds_arg(timeout_s),
        NODE_SCRIPT,
        kind=CommandKind.READ,
        timeout=timeout_s + KILL_AFTER_S + UPLOAD_MARGIN_S,
    )


def _clean(text: str, cap: int = MESSAGE_CAP) -> str:
    text = " ".join(printable(text).split())
    return text if len(text) <= cap else text[: cap - 1] + "…"


def _first_error_line(stderr: str) -> str:
    """The line of an error that says what is wrong: ``TypeError: ... doesn't match pattern``,
    not node's ``/path/model.js:12`` / source line / ``^`` lines before it."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for line in lines:
        if re.match(r"[\w.$]*(Error|Exception)\b", line):
            return line
    for line in lines:
        if not re.fullmatch(r"\^+|.*:\d+(:\d+)?|at .*", line):
            return line
    return ""


def parse_model_check(app: str, timeout_s: float, exit_code: int, stdout: str, stderr: str,
                      seconds: float) -> ModelCheck:  # fmt: skip
    """What the reply of :func:`model_check_command` says."""
    marks = [ln[len(MARK) :].split(" ", 2) for ln in stdout.split("\n") if ln.startswith(MARK)]
    plain = "\n".join(ln for ln in stdout.split("\n") if ln and not ln.startswith(MARK))
    output = (plain + ("\n" if plain and stderr else "") + stderr)[-OUTPUT_CAP:]

    def cannot(why: str) -> ModelCheck:
        return ModelCheck(False, False, f"could not run: {why}", seconds, output)

    first = marks[0] if marks else []
    if first and first[0] == "model-check-skipped" and len(first) == 2 and first[1] in _SKIPPED:
        return cannot(_SKIPPED[first[1]].format(app=app))
    if first == ["upload-damaged"]:
        return cannot("the candidate file arrived damaged (the connection may have dropped)")
    if len(first) != 2 or first[0] != "model-check-started" or not _NONCE_RE.match(first[1]):
        detail = _clean(stderr) or _clean(stdout) or "no output"
        return cannot(f"unexpected reply (exit {exit_code}): {detail}")
    nonce = first[1]
    ours = [m for m in marks[1:] if len(m) >= 2 and m[1] == nonce]
    end = next((m for m in ours if m[0] == "model-check-exit"), None)
    if end is None or len(end) != 3 or not end[2].isdigit():
        return cannot(f"the check ended without its exit status (exit {exit_code})")
    code = int(end[2])
    loaded = any(m[0] == "model-loaded" for m in ours)
    if code == 0 and loaded:
        return ModelCheck(True, True, "the model loads with these translations", seconds, output)
    if code in _TIMED_OUT:
        return ModelCheck(True, False, f"the model did not finish loading within {timeout_s:g} s "
                          "(timed out)", seconds, output, timed_out=True)  # fmt: skip
    error = next((m for m in ours if m[0] == "model-error" and len(m) == 3), None)
    text = ""
    if error is not None:
        try:
            decoded = json.loads(error[2])
        except ValueError:
            decoded = None
        text = decoded if isinstance(decoded, str) else ""
    text = text or _first_error_line(stderr)
    if not text:
        text = (
            "the model ended the process while loading"
            if code == 0
            else f"node exited with status {code}"
        )
    return ModelCheck(True, False, _clean(f"the model does not load: {text}"), seconds, output)


def model_check(
    shell: UploadShell, app: str, candidate: bytes, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> ModelCheck:
    """Load ``./server/model`` of ``app`` with ``candidate`` in place of its
    ``i18n-messages.json``; the app keeps running and its file is not touched."""
    cmd = model_check_command(app, timeout_s)
    res = cmd.run_input(shell, framed(candidate))
    if res.exit_code == -1:
        raise ConnectionProblem(f"{cmd.title}: the connection dropped while it ran")
    return parse_model_check(app, timeout_s, res.exit_code, res.stdout, res.stderr, res.duration)
