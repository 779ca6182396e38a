"""The sandbox's node apps: their pm2 options and the files of their initial commit."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources


@dataclass(frozen=True)
class AppSpec:
    """One app: folder name = pm2 name; `env` is added to its pm2 environment."""

    name: str
    env: dict[str, str] = field(default_factory=dict)
    pm2_options: tuple[str, ...] = ()
    stable: bool = True  # False: it crashes on purpose, its URL is not expected to answer


APP_SPECS: tuple[AppSpec, ...] = (
    AppSpec("gt", env={"HOLD_MB": "50"}),
    AppSpec("gt-dev"),
    AppSpec("els"),
    AppSpec("crashy", env={"CRASH_MS": "1500"}, stable=False),
    AppSpec("proto"),  # not in any inventory
)

SCAN_MAP = "i18n-scan-map.generated.json"  # written by `npm run setup`, never in git
# Ignored through .git/info/exclude of each clone, so they never show in `git status`.
LOCAL_EXCLUDES = ("FAIL_SETUP", ".setup-seconds", "build/", "node_modules/", SCAN_MAP)
# Messages that data/model.js uses as fixed StringLine labels: a line break in their
# translation makes the model throw at load (the scan map puts them under /model/).
MODEL_LABELS = ("Business registration", "legend")


# the app's node sources and update-translations, shared with the embedded demo (the tests'
# own pm2-deploy stays here: the demo's builds without npm)
DEMO_DATA = resources.files("ereg_desktop.demo").joinpath("data")


def data_text(name: str) -> str:
    """A data file of the test server: this package's own, else the embedded demo's."""
    own = resources.files(__package__).joinpath("data", name)
    chosen = own if own.is_file() else DEMO_DATA.joinpath(name)
    return chosen.read_text(encoding="utf-8")


def json_text(obj: object) -> str:
    """The layout the Meta Admin panel writes: 2-space indent, trailing newline."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def panel_json(messages: Mapping[str, object]) -> str:
    """``i18n-messages.json`` as the Meta Admin translations panel writes it: keys by
    ``toLowerCase()`` then raw, both by UTF-16 code units; one pair a line, values compact."""

    def units(text: str) -> bytes:
        return text.encode("utf-16-be", "surrogatepass")

    keys = sorted(messages, key=lambda k: (units(k.lower()), units(k)))
    pairs = [
        json.dumps(k, ensure_ascii=False)
        + ": "
        + json.dumps(messages[k], ensure_ascii=False, separators=(",", ":"))
        for k in keys
    ]
    return "{\n  " + ",\n  ".join(pairs) + "\n}\n"


def i18n_messages(app: str) -> dict[str, str]:
    return {
        "Business registration": "Registro de empresas",
        "I'm ${ fullName }": "Soy ${ fullName }",
        "Welcome to ${ systemName }": "Bienvenido a ${ systemName }",
        "legend": "Leyenda",
        "Submit": "Enviar",
        f"{app}: footer": f"Sistema {app}",
    }


def scan_map(app: str) -> dict[str, dict[str, list[dict[str, object]]]]:
    """What setup.js writes to i18n-scan-map.generated.json (the sandbox test checks they
    agree): where each message is used, the model labels under /model/."""
    where = {
        "Business registration": ("Model: Documents", "/model/business-process/documents.js", 12),
        "legend": ("Model: Documents", "/model/documents/legend.js", 8),
        "I'm ${ fullName }": ("default", "/view/user/profile.js", 21),
        "Welcome to ${ systemName }": ("default", "/view/index.js", 5),
        "Submit": ("default", "/view/form.js", 40),
        f"{app}: footer": ("default", "/view/footer.js", 3),
    }
    return {
        key: {context: [{"fileName": file, "line": line, "column": 4}]}
        for key, (context, file, line) in where.items()
    }


def initial_files(app: str) -> dict[str, str]:
    """Files of the first commit of the app's repository (path -> text)."""
    package = {
        "name": app,
        "version": "1.0.0",
        "private": True,
        "scripts": {"setup": "node setup.js", "start": "node server.js"},
    }
    return {
        "server.js": data_text("server.js"),
        "server/model.js": data_text("model.js"),
        "setup.js": data_text("setup.js"),
        "package.json": json_text(package),
        "i18n-messages.json": panel_json(i18n_messages(app)),
        "data/global.json": json_text(
            {"system": app, "currency": "USD", "fees": {"registration": 100, "renewal": 40}}
        ),
        "README.md": f"# {app}\n\nSandbox app for the ereg-desktop integration tests.\n",
    }
