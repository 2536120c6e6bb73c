"""Putting a store under an app at creation, and letting go of it at shutdown."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from mockserver.state import MockState

from . import open_store
from .lock import StoreLock

log = logging.getLogger("sops-mock")


def attach_store(mock: MockState) -> bool:
    """Load the app from its store (or fill an empty store); True when it started empty.

    Raises StoreError or StoreUrlError, and SnapshotError for a store it cannot restore.
    """
    store = open_store(mock.settings.store)
    if store is None:
        return True
    try:
        restored = store.attach(mock)
    except BaseException:
        store.close()
        raise
    mock.store = store
    mock.lock = StoreLock(store, mock)
    if restored is None:
        log.info("store %s: empty, now holds this mock", store.url)
    else:
        log.info("store %s: restored %d tasks", store.url, restored)
    return restored is None


@asynccontextmanager
async def closing_store(app: Starlette) -> AsyncIterator[None]:
    try:
        yield
    finally:
        store = app.state.mock.store
        if store is not None:
            store.close()
