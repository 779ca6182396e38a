"""The file writer against Node itself: the panel's algorithm (``JSON.stringify`` per pair, keys by
``toLowerCase()`` then raw, compared as JavaScript compares strings) run by ``node`` on the same
random maps gives the same bytes as ``serialize_messages``."""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess

from conftest import require

from ereg_desktop.services.i18n.changes import Messages
from ereg_desktop.services.i18n.messages_file import serialize_messages

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
