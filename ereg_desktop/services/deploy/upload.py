"""A file sent to a server script on its standard input, checked before the script uses it.

The bytes go after one header line (``SIZE SHA256``); the script stores the rest in its temp
file and compares the size and sha256 before anything else, so a connection cut halfway never
leaves a truncated translations file in place or gets one judged.
"""

from __future__ import annotations

import hashlib

MARK = "@@ereg-desktop:"


def framed(content: bytes) -> bytes:
    """The header line and ``content``: what :data:`RECEIVE_LINES` reads."""
    return f"{len(content)} {hashlib.sha256(content).hexdigest()}\n".encode("ascii") + content


def receive_lines(tmp_var: str) -> list[str]:
    """Bash lines storing the framed stdin into ``"$<tmp_var>"`` and checking it; on a bad
    upload they print ``@@ereg-desktop:upload-damaged`` and exit 0 (nothing else ran)."""
    damaged = f'{{ echo "{MARK}upload-damaged"; exit 0; }}'
    return [
        f"IFS=' ' read -r up_size up_sha || {damaged}",
        f"[[ $up_size =~ ^[0-9]+$ && $up_sha =~ ^[0-9a-f]{{64}}$ ]] || {damaged}",
        f'cat > "${tmp_var}" || {damaged}',
        f'[ "$(wc -c < "${tmp_var}")" -eq "$up_size" ] || {damaged}',
        f'[ "$(sha256sum < "${tmp_var}" | cut -d" " -f1)" = "$up_sha" ] || {damaged}',
    ]
