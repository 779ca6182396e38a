"""What the demo shows: its systems and apps, the files of their repositories, the commits
pending on some of them and the translation changes (with planted problems of each kind) that
the Meta Admin panel left on the server. Data and pure functions only."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

OWNER = "egovernment"
OPERATOR = "Demo Operator"
OPERATOR_GITHUB = "demo-operator"
ADMIN = "Demo Administrator"
SERVER_ID = "demo"
SCAN_MAP = "i18n-scan-map.generated.json"  # written by the setup, never in git
LOCAL_EXCLUDES = ("build/", "node_modules/", SCAN_MAP)


@dataclass(frozen=True)
class DemoApp:
    """One deployment: ``name`` is its pm2 name and its folder in the sandbox's home."""

    name: str
    environment: str  # production | development
    hold_mb: int = 30
    crash_s: float = 0.0  # > 0: crashes now and then (about every crash_s seconds)
    track: str = "master"
    track_type: str = ""  # "tag": follows a tag, never updated


@dataclass(frozen=True)
class DemoSystem:
    name: str
    repo: str  # the GitHub repository's name under OWNER (and the bare repository's)
    owner: str
    timezone: str
    low_traffic: str
    apps: tuple[DemoApp, ...]
    pending: tuple[str, ...] = ()  # subjects of the commits pushed after the apps were cloned
    translations: Mapping[str, str] = field(default_factory=dict)  # app -> the planted set


SYSTEMS: tuple[DemoSystem, ...] = (
    DemoSystem(
        "Guatemala", "eregistrations-guatemala", OPERATOR, "America/Guatemala",
        "08:00-14:00 Europe/Paris",
        (DemoApp("gt", "production", hold_mb=70), DemoApp("gt-dev", "development", hold_mb=40)),
        pending=("Registration form: the tax number is optional", "Fix the fee rounding"),
        translations={"gt": "problems"},
    ),
    DemoSystem(
        "Salvador", "eregistrations-salvador", OPERATOR, "America/El_Salvador",
        "08:00-14:00 Europe/Paris",
        (DemoApp("els", "production", hold_mb=55), DemoApp("els-dev", "development")),
    ),
    DemoSystem(
        "Lomas", "eregistrations-lomas", "Kamil Gruca", "America/Argentina/Buenos_Aires",
        "07:00-11:00 Europe/Paris",
        (DemoApp("ldz", "production", hold_mb=45),
         DemoApp("ldz-dev", "development", hold_mb=25, crash_s=60)),
        pending=("New document: certificate of residence",),
        translations={"ldz-dev": "warnings"},
    ),
    DemoSystem(
        "Tanzania", "eregistrations-tanzania", "Kamil Gruca", "Africa/Dar_es_Salaam",
        "22:00-05:00 Africa/Dar_es_Salaam",
        (DemoApp("tz", "production", hold_mb=35, track="2015", track_type="tag"),
         DemoApp("tz-dev", "development")),
    ),
)  # fmt: skip

APPS: tuple[DemoApp, ...] = tuple(app for s in SYSTEMS for app in s.apps)


def data_text(name: str) -> str:
    """A file shipped in ``ereg_desktop/demo/data`` (app sources, helper commands)."""
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


def json_text(obj: object) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def panel_json(messages: Mapping[str, object]) -> str:
    """``i18n-messages.json`` as the Meta Admin panel writes it (see services/i18n)."""

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


def messages(system: str) -> dict[str, object]:
    return {
        "Business registration": "Registro de empresas",
        "I'm ${ fullName }": "Soy ${ fullName }",
        "Welcome to ${ systemName }": "Bienvenido a ${ systemName }",
        "legend": "Leyenda",
        "Submit": "Enviar",
        "Cancel": "Cancelar",
        "Search": "Buscar",
        "Total: ${ amount } USD": "Total: ${ amount } USD",
        "Read the [terms](https://example.org/terms)": "Lea los [términos](https://example.org/terms)",
        "Dear applicant,\nyour file is ready.": "Estimado solicitante,\nsu expediente está listo.",
        "Number of documents": "Número de documentos",
        f"{system}: footer": f"Sistema {system}",
    }  # fmt: skip


# What the Meta Admin panel left on the server: every kind of finding of services/i18n/checks.
PLANTED: dict[str, dict[str, object]] = {
    "problems": {
        # errors
        "Welcome to ${ systemName }": "Bienvenido a ${ sistema }",  # not in the source
        "I'm ${ fullName }": "Soy ${ fullName.toUpperCase() }",  # an expression
        "Business registration": "Registro\nde empresas",  # a model label: StringLine
        "Read the [terms](https://example.org/terms)": "Lea los [términos](https://example.net/t)",
        "Number of documents": 5,  # not a string
        # warnings
        "Total: ${ amount } USD": "Total: USD",  # a substitution missing
        "Dear applicant,\nyour file is ready.": "Estimado solicitante, su expediente está listo.",
        "Submit": "Enviar\\n",  # a typed \n
        "Cancel": "Cancelar\u200b",  # an invisible character
        # info
        "legend": "Leyenda  del mapa",  # spacing
        "Search": "Search",  # equal to its key
        "Payment received": "Pago recibido",  # a new message, fine
    },
    "warnings": {
        "Total: ${ amount } USD": "Total: USD",
        "Cancel": "Cancelar\u200b",
        "Submit": "Enviar ahora",
    },
}
# data/ changes left beside the translations (global data goes through the same review)
PLANTED_DATA: dict[str, dict[str, object]] = {
    "problems": {"fees": {"registration": 120, "renewal": 40}},
}


def scan_map(system: str) -> dict[str, dict[str, list[dict[str, object]]]]:
    """Where each message is used (what setup.js writes): the model labels under /model/."""
    where = {
        "Business registration": ("Model: Documents", "/model/business-process/documents.js", 12),
        "legend": ("Model: Documents", "/model/documents/legend.js", 8),
        "I'm ${ fullName }": ("default", "/view/user/profile.js", 21),
        "Welcome to ${ systemName }": ("default", "/view/index.js", 5),
        "Submit": ("default", "/view/form.js", 40),
        f"{system}: footer": ("default", "/view/footer.js", 3),
    }
    return {
        key: {context: [{"fileName": file, "line": line, "column": 4}]}
        for key, (context, file, line) in where.items()
    }


def global_data(system: str) -> dict[str, object]:
    return {"system": system, "currency": "USD", "fees": {"registration": 100, "renewal": 40}}


def initial_files(system: DemoSystem) -> dict[str, str]:
    """The first commit of a system's repository (path -> text)."""
    package = {
        "name": system.repo,
        "version": "1.0.0",
        "private": True,
        "scripts": {"setup": "node setup.js", "start": "node server.js"},
    }
    return {
        "server.js": data_text("server.js"),
        "server/model.js": data_text("model.js"),
        "setup.js": data_text("setup.js"),
        "package.json": json_text(package),
        "i18n-messages.json": panel_json(messages(system.name)),
        "data/global.json": json_text(global_data(system.name)),
        "README.md": f"# {system.name}\n\nThe ereg-desktop demo's {system.name} system.\n",
    }


def changed_translations(system: DemoSystem, kind: str) -> tuple[str, str | None]:
    """The working tree's ``i18n-messages.json`` and ``data/global.json`` (None: unchanged)."""
    changed = {**messages(system.name), **PLANTED[kind]}
    data = PLANTED_DATA.get(kind)
    return panel_json(changed), (json_text({**global_data(system.name), **data}) if data else None)
