"""The integration-test server sandbox (see tests/integration/conftest.py for the fixtures)."""

from .apps import APP_SPECS, AppSpec
from .procs import free_port, port_open, wait_for
from .secret_service import start_secret_service
from .server import Sandbox, SandboxError, cache_dir, ensure_pm2_cache

__all__ = [
    "APP_SPECS",
    "AppSpec",
    "Sandbox",
    "SandboxError",
    "cache_dir",
    "ensure_pm2_cache",
    "free_port",
    "port_open",
    "start_secret_service",
    "wait_for",
]
