"""The app's lock when a store keeps its state: each outermost hold is one store transaction.

Every read or change of the app's state already happens under `MockState.lock` (state.py), so
the store needs no other hook: entering the outermost hold lets the store bring the app up to
date (other workers' changes), leaving it commits what changed before anyone is answered.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockserver.state import MockState

    from . import Store


class StoreLock:
    """A re-entrant lock whose outermost `with` is wrapped in store.begin / store.commit."""

    def __init__(self, store: Store, mock: MockState) -> None:
        self._lock = threading.RLock()
        self._depth = 0  # only changed while holding _lock
        self._store = store
        self._mock = mock

    @property
    def local(self) -> threading.RLock:
        """The lock alone, without a turn: for what each process keeps for itself (its journal)."""
        return self._lock

    def __enter__(self) -> StoreLock:
        self._lock.acquire()
        self._depth += 1
        if self._depth == 1:
            try:
                self._store.begin(self._mock)
            except BaseException:
                self._depth -= 1
                self._lock.release()
                raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if self._depth == 1:
                self._store.commit(self._mock)
        finally:
            self._depth -= 1
            self._lock.release()
