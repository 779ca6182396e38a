"""What a hostile (or broken) server prints instead of a pm2 listing: one catalogue shared by the
poll, action and Verify tests. Every answer holds SECRET somewhere a raw listing would, so a test
can check that no part of it leaks into a message or an exception."""

from __future__ import annotations

from dataclasses import dataclass

SECRET = "s3cr3t-DB-PASSWORD"
BIG = "9" * 400  # a 400-digit number: OverflowError when turned into a float
CLOCK = "\n@@ereg-desktop:now 1000\n"


def _proc(**fields: str) -> str:
    """One jlist entry of app gt; ``fields`` are raw JSON texts put in place of the good ones."""

    def f(key: str, good: str) -> str:
        return fields.get(key, good)

    env = '"env":{"DB_PASSWORD":"' + SECRET + '"}'
    pm2_env = f("pm2_env", '{"status":' + f("status", '"online"') + ',"restart_time":'
                + f("restart_time", "1") + ',"pm_uptime":' + f("pm_uptime", "0")
                + ',"exec_mode":"fork_mode","unstable_restarts":0,' + env + "}")  # fmt: skip
    monit = f("monit", '{"memory":' + f("memory", "1000") + ',"cpu":' + f("cpu", "0.5") + "}")
    return ('{"name":' + f("name", '"gt"') + ',"pid":' + f("pid", "5") + ',"pm2_env":' + pm2_env
            + ',"monit":' + monit + "}")  # fmt: skip


@dataclass(frozen=True)
class Garbage:
    id: str
    tried: str
    stdout: str
    exit_code: int = 0
    readable: bool = False  # the app's state can still be read from it (a clean list)


GOOD = "[" + _proc() + "]" + CLOCK

LISTINGS = [
    Garbage("empty", "pm2 jlist prints nothing", ""),
    Garbage("truncated", "the listing is cut in the middle", GOOD[: len(GOOD) // 2]),
    Garbage("huge-noise", "8 MB of noise and no list", ("x" * 1023 + "\n") * 8192),
    Garbage("not-a-list", "the JSON is an object, not a list", '[{"a":1}' + "\n{}" + CLOCK),
    Garbage(
        "wrong-types",
        "every field has the wrong type",
        '[{"name":["gt"],"pid":"5","pm2_env":"online","monit":[1],"env":"' + SECRET + '"}]' + CLOCK,
    ),  # fmt: skip
    Garbage(
        "entries-not-objects",
        "the list holds numbers, strings and null",
        '[{"name":"gt","pm2_env":{"status":"online"}}, 1, "x", null, []]' + CLOCK,
    ),  # fmt: skip
    Garbage("400-digit-pid", "a 400-digit pid", "[" + _proc(pid=BIG) + "]" + CLOCK, readable=True),
    Garbage(
        "400-digit-memory",
        "a 400-digit memory figure",
        "[" + _proc(memory=BIG) + "]" + CLOCK,
        readable=True,
    ),  # fmt: skip
    Garbage(
        "400-digit-cpu", "a 400-digit cpu figure", "[" + _proc(cpu=BIG) + "]" + CLOCK, readable=True
    ),  # fmt: skip
    Garbage(
        "400-digit-uptime",
        "a 400-digit pm_uptime",
        "[" + _proc(pm_uptime=BIG) + "]" + CLOCK,
        readable=True,
    ),  # fmt: skip
    Garbage(
        "400-digit-restarts",
        "a 400-digit restart count",
        "[" + _proc(restart_time=BIG) + "]" + CLOCK,
        readable=True,
    ),  # fmt: skip
    Garbage(
        "5000-digit",
        "a 5000-digit number (past Python's int parsing limit)",
        "[" + _proc(pid="7" * 5000) + "]" + CLOCK,
    ),  # fmt: skip
    Garbage(
        "nan-inf",
        "NaN, Infinity and 1e999 in numeric fields",
        "[" + _proc(pid="NaN", memory="Infinity", cpu="-Infinity", pm_uptime="1e999") + "]" + CLOCK,
        readable=True,
    ),  # fmt: skip
    Garbage(
        "nan-clock",
        "the server's clock prints as NaN",
        "[" + _proc() + "]\n@@ereg-desktop:now nan\n",
        readable=True,
    ),  # fmt: skip
    Garbage(
        "invalid-utf8",
        "bytes that are not UTF-8 (as decoded: U+FFFD) around the list",
        "\ufffd\ufffd[" + _proc(name='"gt\ufffd"') + "]" + CLOCK,
    ),  # fmt: skip
    Garbage(
        "nul", "NUL bytes inside the JSON", "[" + _proc().replace(",", ",\x00", 1) + "]" + CLOCK
    ),
    Garbage("deep-nesting", "a list nested 100 000 deep", "[{" + "[" * 100_000 + CLOCK),
    Garbage(
        "deep-nesting-env",
        "an environment nested 100 000 deep",
        "[" + _proc(pm2_env='{"x":' * 100_000 + "1" + "}" * 100_000) + "]" + CLOCK,
    ),  # fmt: skip
    Garbage(
        "exit-1-with-list",
        "pm2 exits 1 after printing a good list",
        GOOD,
        exit_code=1,
        readable=True,
    ),  # fmt: skip
    Garbage("exit-0-error-text", "pm2 exits 0 printing an error", "[PM2][ERROR] " + SECRET + "\n"),
    Garbage("exit-127", "pm2 is not on the PATH (exit 127)", "", exit_code=127),
]
