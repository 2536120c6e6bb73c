"""A shared store: one Redis server holds the mock for every worker and host that serves it.

Each hold of an app's lock is one turn, taken in order across all processes:
1. take the store's lock (a key set only when absent, with an expiry so a dead holder lets go);
2. read the version (how many commits the store has had); if this process is behind, read the
   names of what changed since (or everything, after a reset) and apply it (apply.catch_up);
3. the app does its work; what it changed is written in one MULTI/EXEC, guarded by WATCH on the
   version, so a holder whose lock expired can never write over a newer turn;
4. give the lock back (only if it is still ours).
Since every read and change goes through one turn at a time, two starts of one task can never
both succeed, and every worker answers a read from the same state.
"""

from __future__ import annotations

import itertools
import os
import socket
import time
from typing import TYPE_CHECKING, Any

import orjson

from . import Store, StoreError, public
from .changes import Change, Stored

if TYPE_CHECKING:
    from mockserver.state import MockState

try:
    import redis
except ImportError:  # the optional `redis` extra
    redis = None  # type: ignore[assignment]

LOCK_MS = 30_000  # a holder that died lets go after this long
WAIT_S = 60.0  # longest wait for the lock before the request answers 503
LOG_KEPT = 10_000  # change names kept for workers catching up; older ones reload everything
CLAIM_S = 7 * 24 * 3600
# The lock, if free, and the version with it: one round trip per turn.
_TAKE = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('get', KEYS[2]) or '0'
end
return false
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisStore(Store):
    name = "redis"
    shared = True

    def __init__(self, url: str, prefix: str = "sops-mock") -> None:
        super().__init__(public(url.split("?", 1)[0]))
        if redis is None:
            raise StoreError(
                "redis:// stores need the redis package: pip install 'sops-mock[redis]'"
            )
        self._r = redis.Redis.from_url(url.split("?", 1)[0], socket_timeout=10)
        self._k = {
            name: f"{prefix}:{name}"
            for name in ("lock", "version", "log", "piece", "template", "head", "claim", "counts")
        }
        self._token = ""
        self._turns = itertools.count(1)
        self.version = 0  # commits this process has applied
        self._release = self._r.register_script(_RELEASE)
        self._take = self._r.register_script(_TAKE)
        from .apply import Templates

        self._templates = Templates()
        try:
            self._r.ping()
        except redis.RedisError as exc:
            raise StoreError(f"{self.url}: {exc}") from None

    def _ops_key(self, task_id: int) -> str:
        return f"{self._k['head']}:ops:{task_id}"

    # the turn -------------------------------------------------------------------------------
    def _acquire(self) -> int:
        """Take the turn; the store's version, read in the same round trip."""
        # Who holds the lock: unique across hosts, processes and turns (never in an answer).
        token = f"{socket.gethostname()}:{os.getpid()}:{next(self._turns)}"
        keys = [self._k["lock"], self._k["version"]]
        args: list[str | int] = [token, LOCK_MS]
        deadline = time.monotonic() + WAIT_S  # noqa: TID251 - waiting on another process
        pause = 0.0002
        while (version := self._take(keys=keys, args=args)) is None:
            if time.monotonic() > deadline:  # noqa: TID251
                raise StoreError(f"{self.url}: the store's lock was busy for {WAIT_S:.0f} s")
            time.sleep(pause)  # another worker's turn: a real wait, not a test's sleep
            pause = min(pause * 2, 0.005)
        self._token = token
        return int(version)

    def _let_go(self) -> None:
        if self._token:
            self._release(keys=[self._k["lock"]], args=[self._token])
            self._token = ""

    def attach(self, mock: MockState) -> int | None:
        try:
            self.version = self._acquire()  # nobody else writes during this turn
            try:
                return super().attach(mock)  # an empty store's write moves the version on
            finally:
                self._let_go()
        except redis.RedisError as exc:
            raise StoreError(f"{self.url}: {exc}") from None

    def begin(self, mock: MockState) -> None:
        try:
            version = self._acquire()
            if self._stale or version != self.version:
                self._catch_up(mock, version)
        except redis.RedisError as exc:
            self._let_go_quietly()
            raise StoreError(f"{self.url}: {exc}") from None
        except BaseException:
            self._let_go_quietly()
            raise

    def commit(self, mock: MockState) -> None:
        try:
            super().commit(mock)
        except redis.RedisError as exc:
            self._stale = True
            raise StoreError(f"{self.url}: {exc}") from None
        finally:
            self._let_go_quietly()

    def _let_go_quietly(self) -> None:
        try:
            self._let_go()
        except redis.RedisError:
            self._token = ""  # it expires by itself

    def _catch_up(self, mock: MockState, version: int) -> None:
        from .apply import catch_up

        r, k = self._r, self._k
        kept = r.llen(k["log"])
        first = version - kept + 1  # the version of the oldest change name kept
        behind = self._stale or self.version + 1 < first
        entries = [] if behind else r.lrange(k["log"], self.version + 1 - first, -1)
        names = [orjson.loads(e) for e in entries]
        # A reset, or a new start queue (its counts come whole): everything is read again.
        if behind or any(n["reset"] or n["counts_reset"] for n in names):
            self._reload(mock)
            self.version = version
            return
        pieces = sorted({p for n in names for p in n["pieces"]})
        task_ids = sorted({t for n in names for t in n["tasks"]})
        counted = sorted({t for n in names for t in n["start_counts"]})
        with r.pipeline(transaction=False) as pipe:
            if pieces:
                pipe.hmget(k["piece"], pieces)
            if counted:
                pipe.hmget(k["counts"], counted)
            for task_id in task_ids:
                pipe.hget(k["head"], str(task_id))
                pipe.lrange(self._ops_key(task_id), 0, -1)
            replies = pipe.execute()
        piece_values = dict(zip(pieces, replies.pop(0), strict=True)) if pieces else {}
        counts = (
            {t: int(n) for t, n in zip(counted, replies.pop(0), strict=True) if n is not None}
            if counted
            else {}
        )
        tasks = {}
        for i, task_id in enumerate(task_ids):
            head, ops = replies[2 * i], replies[2 * i + 1]
            if head is not None:
                tasks[task_id] = (head, ops)
        catch_up(
            mock,
            self.tracker,
            {n: v for n, v in piece_values.items() if v is not None},
            tasks,
            counts,
            lambda digest: r.hget(k["template"], digest),
            self._templates,
        )
        self.version = version

    # reading and writing --------------------------------------------------------------------
    def read(self) -> Stored | None:
        r, k = self._r, self._k
        pieces = r.hgetall(k["piece"])
        if b"base" not in pieces:
            return None
        heads = {int(key): value for key, value in r.hgetall(k["head"]).items()}
        with r.pipeline(transaction=False) as pipe:
            for task_id in sorted(heads):
                pipe.lrange(self._ops_key(task_id), 0, -1)
            lists = pipe.execute()
        templates = r.hgetall(k["template"])
        return Stored(
            pieces={_text(key): _raw(value) for key, value in pieces.items()},
            templates={_text(key): _raw(value) for key, value in templates.items()},
            heads={key: _raw(value) for key, value in heads.items()},
            start_counts={int(t): int(n) for t, n in r.hgetall(k["counts"]).items()},
            ops=dict(zip(sorted(heads), lists, strict=True)),
        )

    def write(self, change: Change) -> None:
        """One MULTI/EXEC that also gives the turn back; WATCH on the lock key makes it fail
        whole if the lock expired and someone else took a turn meanwhile."""
        r, k = self._r, self._k
        with r.pipeline(transaction=True) as pipe:
            pipe.watch(k["lock"])  # type: ignore[no-untyped-call]
            gone: list[Any] = pipe.hkeys(k["head"]) if change.reset else []
            pipe.multi()
            if change.reset:
                for key in gone:
                    pipe.delete(self._ops_key(int(key)))
                pipe.delete(k["head"], k["template"])
            if change.reset or change.counts_reset:
                pipe.delete(k["counts"])
            if change.start_counts:
                pipe.hset(k["counts"], mapping=change.start_counts)  # type: ignore[arg-type]
            if change.pieces:
                pipe.hset(k["piece"], mapping=change.pieces)  # type: ignore[arg-type]
            if change.templates:
                pipe.hset(k["template"], mapping=change.templates)  # type: ignore[arg-type]
            if change.heads:
                pipe.hset(k["head"], mapping={str(i): h for i, h in change.heads.items()})
            for task_id, (first, ops) in change.ops.items():
                key = self._ops_key(task_id)
                # Written from `first` on: a write retried after a lost reply never doubles one.
                if first:
                    pipe.ltrim(key, 0, first - 1)
                else:
                    pipe.delete(key)
                pipe.rpush(key, *ops)
            pipe.incr(k["version"])
            pipe.rpush(k["log"], orjson.dumps(change.summary()))
            pipe.ltrim(k["log"], -LOG_KEPT, -1)
            # EVAL, not the registered script: in a pipeline that would cost a SCRIPT EXISTS
            # round trip on every commit (Redis keeps the compiled script by its hash anyway).
            pipe.execute_command(  # type: ignore[no-untyped-call]
                "EVAL", _RELEASE, 1, k["lock"], self._token
            )
            try:
                replies = pipe.execute()
            except redis.WatchError:
                raise StoreError(
                    f"{self.url}: this process's turn ran out (over {LOCK_MS // 1000} s) and "
                    "another took one: the change was not written"
                ) from None
        self._token = ""  # given back in the transaction
        self.version = int(replies[-4])

    def claim(self, key: str) -> bool:
        try:
            done = self._r.set(f"{self._k['claim']}:{key}", 1, nx=True, ex=CLAIM_S)
        except redis.RedisError as exc:
            raise StoreError(f"{self.url}: {exc}") from None
        return bool(done)

    def close(self) -> None:
        self._r.close()


def _text(key: bytes | str) -> str:
    return key.decode() if isinstance(key, bytes) else key


def _raw(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()
