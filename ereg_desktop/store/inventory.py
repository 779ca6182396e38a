"""The inventory: servers, systems and their deployments, and who operates this copy of the app.

The TOML layout is a contract with the operators' files: unknown fields are kept on save.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ENVIRONMENTS = ("production", "development")
TRACK_TYPES = ("branch", "tag")

# App names go into shell commands and are folder names in the account's home: a leading dot or
# dash would mean a hidden folder or a command-line option, so neither is allowed.
APP_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*\Z")
SERVER_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*\Z")
USER_RE = re.compile(r"^[a-z_][a-z0-9_.-]*\$?\Z", re.IGNORECASE)
REPOSITORY_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\Z")
GIT_REF_RE = re.compile(r"^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+\Z")


@dataclass
class Operator:
    name: str = ""
    github: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Server:
    id: str
    host: str
    port: int = 22
    user: str = "eregistrations"
    admin: str = ""
    monitoring_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        port = "" if self.port == 22 else f":{self.port}"
        return f"{self.user}@{self.host}{port}"


@dataclass
class Deployment:
    environment: str
    server: str
    app: str
    url: str = ""
    track: str = "master"
    track_type: str = "branch"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pinned(self) -> bool:
        """A deployment that follows a tag (Tanzania production on ``2015``) is never updated."""
        return self.track_type == "tag"

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def environment_label(self) -> str:
        """How every title and confirmation names the environment: production shouts."""
        return "PRODUCTION" if self.production else self.environment


@dataclass
class System:
    name: str
    owner: str = ""
    repository: str = ""
    timezone: str = "UTC"
    low_traffic: str = ""
    deployments: list[Deployment] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeploymentRef:
    """A deployment together with the system and server it belongs to."""

    system: System
    deployment: Deployment
    server: Server

    @property
    def app(self) -> str:
        return self.deployment.app


@dataclass
class Inventory:
    operator: Operator = field(default_factory=Operator)
    servers: list[Server] = field(default_factory=list)
    systems: list[System] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def server(self, server_id: str) -> Server | None:
        return next((s for s in self.servers if s.id == server_id), None)

    def deployments(self) -> list[DeploymentRef]:
        refs = []
        for system in self.systems:
            for dep in system.deployments:
                server = self.server(dep.server)
                if server is not None:
                    refs.append(DeploymentRef(system, dep, server))
        return refs

    def find_app(self, app: str, server_id: str | None = None) -> list[DeploymentRef]:
        return [
            r
            for r in self.deployments()
            if r.app == app and (server_id is None or r.server.id == server_id)
        ]

    def is_operators(self, system: System) -> bool:
        me = self.operator.name.strip().casefold()
        return bool(me) and system.owner.strip().casefold() == me
