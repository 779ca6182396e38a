"""The translation model against the JavaScript it stands for, run by ``node``:

- the file writer: the panel's algorithm (``JSON.stringify`` per pair, keys by ``toLowerCase()``
  then raw, compared as JavaScript compares strings) on the same random maps gives the same bytes
  as ``serialize_messages``;
- the scanner: es6-template-strings 2.0.1's ``compile`` (installed once with npm into the test
  cache, like pm2) finds the same substitutions as ``template.scan`` on the same random strings.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from conftest import require
from sandbox import cache_dir

from ereg_desktop.services.i18n.changes import Messages
from ereg_desktop.services.i18n.messages_file import serialize_messages
from ereg_desktop.services.i18n.template import scan

TEMPLATE_SPEC = "es6-template-strings@2.0.1"

PANEL_WRITER = r"""
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
for (const line of lines) {
  const pairs = JSON.parse(line);
  pairs.sort((x, y) => cmp(x[0].toLowerCase(), y[0].toLowerCase()) || cmp(x[0], y[0]));
  const text = pairs.length
    ? '{\n  ' + pairs.map(([k, v]) => JSON.stringify(k) + ': ' + JSON.stringify(v)).join(',\n  ') + '\n}\n'
    : '{\n  \n}\n';
  process.stdout.write(Buffer.from(text, 'utf8').toString('base64') + '\n');
}
"""

# what tells code points from UTF-16 units, lower case rules, escaping and surrogates apart
POOL = [
    "a", "A", "b", "Z", "é", "É", "İ", "ß", "ẞ", "ς", "Σ", "ǅ", "ﬀ", "\U0001f600", "\U00010400",
    "\uffff", "\ue000", "\ud800", "\udc00", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\x85",
    '"', "\\", "/", "\n", "\t", " ", "${ n }",
]  # fmt: skip


def _maps(count: int, seed: int) -> list[Messages]:
    rng = random.Random(seed)
    maps: list[Messages] = []
    for _ in range(count):
        messages: Messages = {}
        for _ in range(rng.randint(0, 8)):
            key = "".join(rng.choice(POOL) for _ in range(rng.randint(1, 4)))
            value = "".join(rng.choice(POOL) for _ in range(rng.randint(0, 4)))
            messages[key] = [value, value + "s"] if rng.random() < 0.2 else value
        maps.append(messages)
    return maps


def test_serialize_messages_writes_what_nodes_json_stringify_writes() -> None:
    require("the Node comparison", [] if shutil.which("node") else ["node not found (nodejs 20)"])
    maps = _maps(3000, seed=1)
    # ASCII JSON carries lone surrogates to node as \\udXXX escapes
    lines = "".join(json.dumps(list(m.items())) + "\n" for m in maps)
    done = subprocess.run(
        ["node", "-e", PANEL_WRITER], input=lines, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    written = [base64.b64decode(line) for line in done.stdout.split()]
    assert len(written) == len(maps)
    differ = [(m, w) for m, w in zip(maps, written, strict=True) if serialize_messages(m) != w]
    assert differ == []


def _template_strings() -> Path:
    """``npm install es6-template-strings@2.0.1`` into the test cache once; its folder."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    prefix = root / "es6-template-strings"
    stamp = prefix / "node_modules/es6-template-strings/package.json"
    with open(root / "es6-template-strings.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and json.loads(stamp.read_text())["version"] == "2.0.1":
            return prefix / "node_modules"
        tmp = Path(tempfile.mkdtemp(prefix="es6ts-", dir=root))
        subprocess.run(
            [str(shutil.which("npm")), "install", "--prefix", str(tmp), "--no-audit", "--no-fund", TEMPLATE_SPEC],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        shutil.rmtree(prefix, ignore_errors=True)
        tmp.rename(prefix)
    return prefix / "node_modules"


COMPILE = r"""
const compile = require('es6-template-strings/compile');
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
for (const line of lines) console.log(JSON.stringify(compile(JSON.parse(line)).substitutions));
"""
# the characters that decide where a substitution ends, and a few that do not
ALPHABET = "${}\\'\"/*()[]`ab \n\r=;x+!\u2028\u00a0"


def test_the_scanner_finds_what_es6_template_strings_finds() -> None:
    problems = [f"{t} not found" for t in ("node", "npm") if not shutil.which(t)]
    require("the es6-template-strings comparison", problems)
    modules = _template_strings()
    rng = random.Random(2)
    texts = [
        ("a${" if rng.random() < 0.5 else "")
        + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 14)))
        for _ in range(20000)
    ]
    done = subprocess.run(
        [str(shutil.which("node")), "-e", COMPILE],
        input="".join(json.dumps(t) + "\n" for t in texts),
        capture_output=True, text=True, timeout=120, env={**os.environ, "NODE_PATH": str(modules)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # split on "\n" only: JSON.stringify leaves U+2028 as it is, and splitlines() would cut there
    expected = [json.loads(line) for line in done.stdout.split("\n") if line]
    assert len(expected) == len(texts)
    found = [[p.text[2:-1] for p in scan(t) if p.kind == "sub"] for t in texts]
    differ = [(t, f, e) for t, f, e in zip(texts, found, expected, strict=True) if f != e]
    assert differ == []
    assert sum(1 for e in expected if e) > 1000  # the strings do hold substitutions
