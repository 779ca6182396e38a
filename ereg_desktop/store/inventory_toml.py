"""Reading and writing ``inventory.toml``, with every problem reported by file and line."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import tomli_w

from ereg_desktop.errors import InventoryError
from ereg_desktop.store.inventory import (
    APP_NAME_RE,
    ENVIRONMENTS,
    GIT_REF_RE,
    REPOSITORY_RE,
    SERVER_ID_RE,
    TRACK_TYPES,
    USER_RE,
    Deployment,
    Inventory,
    Operator,
    Server,
    System,
)
from ereg_desktop.store.traffic_window import TrafficWindow, check_timezone

FORMAT_VERSION = 1
_LINE_RE = re.compile(r"at line (\d+)")
_HEADER_RE = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.]+)\s*\]\]")
_TABLE_RE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.]+)\s*\]")
_KEY_RE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

Where = tuple[Any, ...]


class _LineIndex:
    """Maps ``("systems", 2, "deployments", 0, "app")`` to the line it was written on.

    Good enough for the layout people write (array-of-tables headers, one key per line); anything
    fancier falls back to the line of the enclosing table, or to no line at all.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[Where, int] = {}
        counts: dict[tuple[str, ...], int] = {}
        current: Where = ()
        for number, raw in enumerate(text.splitlines(), start=1):
            if m := _HEADER_RE.match(raw):
                names = tuple(m.group(1).split("."))
                counts[names] = counts.get(names, -1) + 1
                for k in [k for k in counts if len(k) > len(names) and k[: len(names)] == names]:
                    del counts[k]  # a new parent entry restarts its children's numbering
                current = ()
                for depth in range(len(names)):
                    current = (*current, names[depth], counts.get(names[: depth + 1], 0))
                self.lines[current] = number
            elif m := _TABLE_RE.match(raw):
                current = tuple(m.group(1).split("."))
                self.lines[current] = number
            elif m := _KEY_RE.match(raw):
                self.lines.setdefault((*current, m.group(1)), number)

    def line(self, where: Where) -> int | None:
        while where:
            if where in self.lines:
                return self.lines[where]
            where = where[:-1]
        return None


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.index = _LineIndex(text)
        self.problems: list[tuple[int | None, str]] = []

    def problem(self, where: Where, message: str) -> None:
        self.problems.append((self.index.line(where), message))

    def take(self, table: dict[str, Any], where: Where, key: str, kind: type, default: Any) -> Any:
        value = table.pop(key, default)
        if value is default and default is _REQUIRED:
            self.problem(where, f"{_name(where)}: missing {key!r}")
            return kind()
        if kind is int and isinstance(value, bool):
            self.problem((*where, key), f"{key} must be a number, not {value!r}")
            # the default, so later checks of the value (a port's range) add no second problem
            return kind() if default is _REQUIRED else default
        if not isinstance(value, kind):
            self.problem((*where, key), f"{key} must be {_KIND[kind]}, not {type(value).__name__}")
            return kind() if default is _REQUIRED else default
        return value


_REQUIRED: Any = object()
_KIND = {str: "text", int: "a number", list: "a list", dict: "a table"}


def _name(where: Where) -> str:
    out: list[str] = []
    for part in where:
        out.append(f"[{part + 1}]" if isinstance(part, int) else f".{part}" if out else part)
    return "".join(out)


def parse_inventory(text: str, path: str) -> Inventory:
    """Parse and validate; raise :class:`InventoryError` listing every problem with its line."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise InventoryError(
            path, [(None, "values nested too deeply to be an inventory")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        m = _LINE_RE.search(str(exc))
        line = int(m.group(1)) if m else None
        if line is None and "end of document" in str(exc):  # a file cut short: its last line
            line = max(1, len(text.splitlines()))
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        raise InventoryError(path, [(line, f"not valid TOML: {message}")]) from None
    r = _Reader(text, path)
    inv = _read(r, data)
    if r.problems:
        raise InventoryError(path, sorted(r.problems, key=lambda p: p[0] or 0))
    return inv


def _read(r: _Reader, data: dict[str, Any]) -> Inventory:
    op_table = r.take(data, (), "operator", dict, {})
    operator = Operator(
        name=r.take(op_table, ("operator",), "name", str, ""),
        github=r.take(op_table, ("operator",), "github", str, ""),
        extra=op_table,
    )
    servers = [
        _read_server(r, t, ("servers", i)) for i, t in enumerate(_tables(r, data, "servers"))
    ]
    systems = [
        _read_system(r, t, ("systems", i)) for i, t in enumerate(_tables(r, data, "systems"))
    ]
    data.pop("format", None)
    inv = Inventory(operator=operator, servers=servers, systems=systems, extra=data)
    _cross_check(r, inv)
    return inv


def _tables(r: _Reader, data: dict[str, Any], key: str, where: Where = ()) -> list[dict[str, Any]]:
    items = r.take(data, where, key, list, [])
    good = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            good.append(item)
        else:
            r.problem((*where, key, i), f"{_name((*where, key, i))} must be a table")
    return good


def _read_server(r: _Reader, t: dict[str, Any], w: Where) -> Server:
    s = Server(
        id=r.take(t, w, "id", str, _REQUIRED),
        host=r.take(t, w, "host", str, _REQUIRED),
        port=r.take(t, w, "port", int, 22),
        user=r.take(t, w, "user", str, "eregistrations"),
        admin=r.take(t, w, "admin", str, ""),
        monitoring_url=r.take(t, w, "monitoring_url", str, ""),
        extra=t,
    )
    if s.id and not SERVER_ID_RE.match(s.id):
        r.problem((*w, "id"), f"server id {s.id!r} may hold only letters, digits, '.', '_', '-'")
    if s.host and not _is_host(s.host):
        r.problem((*w, "host"), f"host {s.host!r} is not a host name or address")
    if not 1 <= s.port <= 65535:
        r.problem((*w, "port"), f"port {s.port} is outside 1-65535")
    if not USER_RE.match(s.user):
        r.problem((*w, "user"), f"user {s.user!r} is not a valid account name")
    return s


_HOST_LABEL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\Z")


def _is_host(host: str) -> bool:
    """A DNS name (labels of 1-63 letters, digits, '-', '_') or an IPv4/IPv6 address."""
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    labels = host.removesuffix(".").split(".")
    return len(host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)


def _read_system(r: _Reader, t: dict[str, Any], w: Where) -> System:
    system = System(
        name=r.take(t, w, "name", str, _REQUIRED),
        owner=r.take(t, w, "owner", str, ""),
        repository=r.take(t, w, "repository", str, ""),
        timezone=r.take(t, w, "timezone", str, "UTC"),
        low_traffic=r.take(t, w, "low_traffic", str, ""),
    )
    system.deployments = [
        _read_deployment(r, d, (*w, "deployments", i))
        for i, d in enumerate(_tables(r, t, "deployments", w))
    ]
    system.extra = t
    if system.repository and not REPOSITORY_RE.match(system.repository):
        r.problem((*w, "repository"), f"repository {system.repository!r} is not 'owner/name'")
    try:
        check_timezone(system.timezone)
    except ValueError as exc:
        r.problem((*w, "timezone"), str(exc))
    if system.low_traffic:
        try:
            TrafficWindow.parse(system.low_traffic)
        except ValueError as exc:
            r.problem((*w, "low_traffic"), f"{system.name}: {exc}")
    return system


def _read_deployment(r: _Reader, t: dict[str, Any], w: Where) -> Deployment:
    d = Deployment(
        environment=r.take(t, w, "environment", str, _REQUIRED),
        server=r.take(t, w, "server", str, _REQUIRED),
        app=r.take(t, w, "app", str, _REQUIRED),
        url=r.take(t, w, "url", str, ""),
        track=r.take(t, w, "track", str, "master"),
        track_type=r.take(t, w, "track_type", str, "branch"),
        extra=t,
    )
    if d.environment and d.environment not in ENVIRONMENTS:
        r.problem(
            (*w, "environment"),
            f'environment {d.environment!r} must be "production" or "development"',
        )
    if d.app and not APP_NAME_RE.match(d.app):
        r.problem(
            (*w, "app"),
            f"app name {d.app!r} may hold only letters, digits, '.', '_', '-' and may not start"
            " with '.' or '-' (it is a folder name and goes into shell commands)",
        )
    if not GIT_REF_RE.match(d.track):
        r.problem((*w, "track"), f"track {d.track!r} is not a branch or tag name")
    if d.track_type not in TRACK_TYPES:
        r.problem((*w, "track_type"), f'track_type {d.track_type!r} must be "branch" or "tag"')
    if d.url and not re.match(r"^https?://", d.url):
        r.problem((*w, "url"), f"url {d.url!r} must start with http:// or https://")
    return d


def _cross_check(r: _Reader, inv: Inventory) -> None:
    seen_servers: set[str] = set()
    for i, s in enumerate(inv.servers):
        if s.id in seen_servers:
            r.problem(("servers", i, "id"), f"server id {s.id!r} is used twice")
        seen_servers.add(s.id)
    seen_systems: set[str] = set()
    apps: dict[tuple[str, str], str] = {}
    for i, system in enumerate(inv.systems):
        if system.name in seen_systems:
            r.problem(("systems", i, "name"), f"system {system.name!r} is listed twice")
        seen_systems.add(system.name)
        for j, d in enumerate(system.deployments):
            w = ("systems", i, "deployments", j)
            if d.server and d.server not in seen_servers:
                known = ", ".join(sorted(seen_servers)) or "none defined"
                r.problem(
                    (*w, "server"), f"{system.name}: unknown server {d.server!r} (known: {known})"
                )
            key = (d.server, d.app)
            if d.app and key in apps:
                r.problem(
                    (*w, "app"),
                    f"app {d.app!r} on server {d.server!r} is listed twice ({apps[key]} and {system.name})",
                )
            apps.setdefault(key, system.name)


def inventory_data(inv: Inventory) -> dict[str, Any]:
    """The inventory as plain data, unknown fields included (for TOML and for ``--json``)."""
    return {
        **inv.extra,
        "operator": {
            "name": inv.operator.name,
            "github": inv.operator.github,
            **inv.operator.extra,
        },
        "servers": [
            {
                "id": s.id,
                "host": s.host,
                "port": s.port,
                "user": s.user,
                "admin": s.admin,
                "monitoring_url": s.monitoring_url,
                **s.extra,
            }
            for s in inv.servers
        ],
        "systems": [
            {
                "name": s.name,
                "owner": s.owner,
                "repository": s.repository,
                "timezone": s.timezone,
                "low_traffic": s.low_traffic,
                **s.extra,
                "deployments": [
                    {
                        "environment": d.environment,
                        "server": d.server,
                        "app": d.app,
                        "url": d.url,
                        "track": d.track,
                        "track_type": d.track_type,
                        **d.extra,
                    }
                    for d in s.deployments
                ],
            }
            for s in inv.systems
        ],
    }


def dump_inventory(inv: Inventory) -> str:
    """Serialise in the layout people write by hand: one key per line, ``[[systems.deployments]]``
    headers (tomli_w would inline them), so problems found later still point at a line."""
    data = inventory_data(inv)
    out = [_pair("format", FORMAT_VERSION)]
    out += [_pair(k, v) for k, v in data.items() if k not in ("operator", "servers", "systems")]
    out += ["", "[operator]", *(_pair(k, v) for k, v in data["operator"].items())]
    for server in data["servers"]:
        out += ["", "[[servers]]", *(_pair(k, v) for k, v in server.items())]
    for system in data["systems"]:
        deployments = system.pop("deployments")
        if not system["low_traffic"]:
            del system["low_traffic"]
        out += ["", "[[systems]]", *(_pair(k, v) for k, v in system.items())]
        for d in deployments:
            if d["track_type"] == "branch":
                del d["track_type"]
            out += ["", "  [[systems.deployments]]", *("  " + _pair(k, v) for k, v in d.items())]
    return "\n".join(out) + "\n"


def _pair(key: str, value: Any) -> str:
    return f"{_key(key)} = {_value(value)}"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _value(key)


def _value(value: Any) -> str:
    """One TOML value on one line: tables inline, so every key stays under its own header."""
    if isinstance(value, dict):
        inner = ", ".join(_pair(k, v) for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split(" = ", 1)[1].rstrip("\n")
