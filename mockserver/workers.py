"""`sops-mock serve --workers N`: N uvicorn processes, each its own app over one shared store.

uvicorn starts each worker from an import string, so the settings travel in an environment
variable (SETTINGS_ENV) as JSON; each worker builds its app from them and joins the store.
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import datetime
from typing import Any

from .settings import Settings

SETTINGS_ENV = "SOPS_MOCK_WORKER_SETTINGS"


def settings_json(settings: Settings) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, frozenset):
            return sorted(value)
        if isinstance(value, tuple):
            return list(value)
        return value

    return json.dumps(
        {f.name: plain(getattr(settings, f.name)) for f in dataclasses.fields(settings)}
    )


def settings_from_json(text: str) -> Settings:
    data = json.loads(text)
    data["start"] = datetime.fromisoformat(data["start"])
    for name in ("allowed_hosts", "webhook_hosts"):
        data[name] = tuple(data[name])
    data["planted_faults"] = frozenset(data["planted_faults"])
    if data["start_delay"] is not None:
        data["start_delay"] = tuple(data["start_delay"])
    return Settings(**data)


def app() -> Any:
    """uvicorn's factory in each worker process."""
    from .cli import build_app

    return build_app(settings_from_json(os.environ[SETTINGS_ENV]))


def serve_workers(settings: Settings, workers: int, log_level: str) -> int:
    """Serve with uvicorn's process manager, once the settings and the store are checked."""
    import uvicorn

    from .cli import build_app
    from .flags import StartupError
    from .store import StoreError, open_store
    from .transport import server_options

    build_app(settings.with_(store="memory"))  # the fixture and the other flags
    try:
        store = open_store(settings.store)
    except StoreError as exc:
        raise StartupError(f"--store: {exc}") from None
    if store is not None:
        store.close()
    os.environ[SETTINGS_ENV] = settings_json(settings)
    from .workerhttp import WorkerHttp  # built from the variable just set

    options = {**server_options(settings), "http": WorkerHttp}
    uvicorn.run(
        "mockserver.workers:app",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=False,
        **options,
    )
    return 0
