"""An embedded store: one SQLite file in WAL mode, one transaction per committed hold.

Durability: with `synchronous=NORMAL` (the default here) a commit is in the WAL file when its
answer leaves, so it survives the mock being killed (kill -9, a crash, an OOM kill); only an
operating-system crash or power cut can lose the last commits, since the WAL is synced at
checkpoints rather than on every commit. `?synchronous=full` syncs every commit too, at the
cost of one fsync per state-changing request. One mock per file: the file is locked while open.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from . import Store, StoreError
from .changes import Change, Stored

SCHEMA = """
CREATE TABLE IF NOT EXISTS piece (name TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS template (hash TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS task (id INTEGER PRIMARY KEY, head BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS start_count (task INTEGER PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS op (
    task INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (task, seq)
) WITHOUT ROWID;
"""
LEVELS = {"normal": "NORMAL", "full": "FULL"}


class SQLiteStore(Store):
    name = "sqlite"

    def __init__(self, path: str, synchronous: str = "normal") -> None:
        super().__init__(f"sqlite://{path}")
        level = LEVELS.get(synchronous.lower())
        if level is None:
            raise StoreError(f"synchronous={synchronous!r}: give normal or full")
        file = Path(path)
        if not file.parent.is_dir():
            raise StoreError(f"{self.url}: the folder {file.parent} does not exist")
        try:
            # The app's lock serialises every use; the server may call from several threads.
            self._db = sqlite3.connect(file, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={level}")
            # Held for as long as the mock runs: a second mock on the file fails at once.
            self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
            self._db.executescript(SCHEMA)
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.url}: {_why(exc)}") from None

    def read(self) -> Stored | None:
        try:
            db = self._db
            pieces = dict(db.execute("SELECT name, data FROM piece"))
            if "base" not in pieces:
                return None
            ops: dict[int, list[bytes]] = {}
            for task, data in db.execute("SELECT task, data FROM op ORDER BY task, seq"):
                ops.setdefault(task, []).append(data)
            return Stored(
                pieces=pieces,
                templates=dict(db.execute("SELECT hash, data FROM template")),
                heads=dict(db.execute("SELECT id, head FROM task")),
                ops=ops,
                start_counts=dict(db.execute("SELECT task, n FROM start_count")),
            )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.url}: {_why(exc)}") from None

    def write(self, change: Change) -> None:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                if change.reset:
                    db.execute("DELETE FROM op")
                    db.execute("DELETE FROM task")
                    db.execute("DELETE FROM template")
                if change.reset or change.counts_reset:
                    db.execute("DELETE FROM start_count")
                db.executemany("INSERT OR REPLACE INTO piece VALUES (?, ?)", change.pieces.items())
                db.executemany(
                    "INSERT OR IGNORE INTO template VALUES (?, ?)", change.templates.items()
                )
                db.executemany("INSERT OR REPLACE INTO task VALUES (?, ?)", change.heads.items())
                db.executemany(
                    "INSERT OR REPLACE INTO start_count VALUES (?, ?)", change.start_counts.items()
                )
                for task, (first, ops) in change.ops.items():
                    db.executemany(
                        "INSERT OR REPLACE INTO op VALUES (?, ?, ?)",
                        ((task, first + i, data) for i, data in enumerate(ops)),
                    )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.url}: {_why(exc)}") from None

    def close(self) -> None:
        self._db.close()


def _why(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text:
        return f"{text} (another sops-mock has this file open; give each mock its own file)"
    return text
