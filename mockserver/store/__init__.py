"""Where the app's state lives: memory (the default), an SQLite file, or a Redis server.

`--store URL` picks one (`open_store`). A store sees the app only through `MockState.lock`
(lock.py): `begin` when a hold starts (catch up with other workers), `commit` when it ends
(write what changed, before any answer leaves). changes.py says what is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from .changes import Change, Stored, Tracker

if TYPE_CHECKING:
    from mockserver.state import MockState


class StoreError(RuntimeError):
    """The store cannot be reached or written; the app's answer is a 503."""


class StoreUrlError(ValueError):
    """A --store value that names no store this mock has."""


class Store:
    """A durable or shared home for one app's state. Subclasses read and write the parts."""

    name = "store"
    shared = False  # whether several processes may serve one store

    def __init__(self, url: str) -> None:
        self.url = url  # as shown to users: never with a password
        self.tracker = Tracker()
        self._stale = False

    # what a backend provides ---------------------------------------------------------------
    def read(self) -> Stored | None:
        """Everything stored; None when the store holds no mock yet."""
        raise NotImplementedError

    def write(self, change: Change) -> None:
        """Write one change atomically (all of it or nothing)."""
        raise NotImplementedError

    def close(self) -> None:
        """Let go of connections and files."""

    def claim(self, key: str) -> bool:
        """Whether this process is the first to ask for `key`: effects made once per store."""
        return True

    # the app's side ------------------------------------------------------------------------
    def attach(self, mock: MockState) -> int | None:
        """Load the stored mock into `mock`, or store `mock` when the store is empty.

        Callers hold nothing; returns how many tasks were restored, None when it was empty.
        """
        from .apply import load

        stored = self.read()
        if stored is None:
            self.write(self.tracker.change(mock))
            return None
        with mock.lock:
            load(mock, stored, self.tracker)
        return len(stored.heads)

    def begin(self, mock: MockState) -> None:
        if self._stale:  # a failed commit left the app ahead of the store: go back to it
            self._reload(mock)

    def commit(self, mock: MockState) -> None:
        change = self.tracker.change(mock)
        if not change:
            return
        try:
            self.write(change)
        except StoreError:
            self._stale = True
            raise

    def _reload(self, mock: MockState) -> None:
        from .apply import load

        stored = self.read()
        if stored is None:
            raise StoreError(f"store {self.url} was emptied under this mock")
        load(mock, stored, self.tracker)
        self._stale = False


def open_store(url: str) -> Store | None:
    """The store a --store value names; None for memory."""
    if url == "memory":
        return None
    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "sqlite":
        from .sqlite import SQLiteStore

        if not parts.path or parts.path == "/":
            raise StoreUrlError(f"{url!r}: name the file, e.g. sqlite:///var/tmp/mock.db")
        return SQLiteStore(parts.path, options.get("synchronous", "normal"))
    if parts.scheme == "redis":
        from .redis import RedisStore

        return RedisStore(url, options.get("prefix", "sops-mock"))
    raise StoreUrlError(
        f"{url!r} is not a store: give memory, sqlite:///path/to/mock.db or redis://host:port/db"
    )


def check_store_url(text: str) -> str:
    """argparse's check of --store (the URL's form only; reaching it is tried at start)."""
    if text == "memory":
        return text
    scheme = urlsplit(text).scheme
    if scheme not in ("sqlite", "redis"):
        raise StoreUrlError(
            f"{text!r} is not a store: give memory, sqlite:///path/to/mock.db or "
            "redis://host:port/db"
        )
    return text


def public(url: str) -> str:
    """The URL without a password, for logs and errors."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc += f":{parts.port}"
    return parts._replace(netloc=netloc).geturl()


__all__ = [
    "Change",
    "Store",
    "StoreError",
    "StoreUrlError",
    "Stored",
    "check_store_url",
    "open_store",
    "public",
]
