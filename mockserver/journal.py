"""The request journal: a bounded ring of what the mock received and how it answered.

The request path only files the request's own pieces (a `Deferred`); the entry is built the
first time the journal is read, in O(1) of the request's size: parameters become a bounded
summary (long strings cut, deep or wide values elided) with secrets masked. Until then the
pieces live only in this process's memory, as the request itself did; nothing leaves it
unmasked. A large body is summarised at once instead (keeping it parsed cost about six to
twenty-five times its size), and the ring is bounded by an estimate of the bytes it keeps as
well as by its number of entries. The `X-Bkapi-Authorization` header is never kept; the
caller is kept as app code and user name.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

import orjson

from .auth import SECRET_KEYS
from .inbound import HEADER_MAP_KEY

if TYPE_CHECKING:
    from starlette.requests import Request

    from .auth import Identity
    from .call import Call
    from .faults import Decision
    from .inbound import RawInput
    from .state import MockState

MASK: Final = "******"
# Any key containing one of these words is masked too, at any depth (a constant named
# `${db_password}` is as secret as `bk_app_secret`).
SECRET_WORDS: Final = re.compile("secret|token|passw|signature|jwt", re.IGNORECASE)
MAX_STRING: Final = 256
MAX_VALUES: Final = 64
MAX_DEPTH: Final = 4
ELIDED: Final = "…"
# Bodies above this are summarised when filed, not kept parsed until the journal is read.
EAGER_BYTES: Final = 4096
# What an entry costs besides its parameters (the entry, its ids, strings), roughly.
ENTRY_COST: Final = 512
DEFAULT_MAX_BYTES: Final = 16 * 1024 * 1024


def is_secret(key: str) -> bool:
    return key in SECRET_KEYS or SECRET_WORDS.search(key) is not None


def summarize(params: Mapping[str, Any]) -> dict[str, Any]:
    """A masked, bounded copy of request parameters: at most MAX_VALUES values in all."""
    budget = [MAX_VALUES]
    return _mapping(params, budget, 0)


def _mapping(value: Mapping[Any, Any], budget: list[int], depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if budget[0] <= 0:
            out[ELIDED] = f"{len(value) - len(out)} more"
            break
        name = str(key)
        if len(name) > MAX_STRING:
            name = name[:MAX_STRING] + ELIDED
        budget[0] -= 1
        out[name] = MASK if is_secret(name) else _value(item, budget, depth + 1)
    return out


def _value(value: Any, budget: list[int], depth: int) -> Any:
    if isinstance(value, str):  # the common case first: query values are all strings
        return value if len(value) <= MAX_STRING else value[:MAX_STRING] + ELIDED
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_DEPTH:
        return ELIDED
    if isinstance(value, Mapping):
        return _mapping(value, budget, depth)
    if isinstance(value, list | tuple):
        out: list[Any] = []
        for item in value:
            if budget[0] <= 0:
                out.append(f"{ELIDED} {len(value) - len(out)} more")
                break
            budget[0] -= 1
            out.append(_value(item, budget, depth + 1))
        return out
    return ELIDED


# Not frozen: a frozen dataclass sets each of its 18 fields through object.__setattr__, which
# made building an entry cost 1.7 us on every request instead of 0.5. Nothing assigns to one.
@dataclass(slots=True)
class Entry:
    """One request: what came in, what went out, and what the fault profile did to it."""

    seq: int
    at: datetime
    method: str
    path: str
    operation: str | None
    family: str | None
    params: Mapping[str, Any]
    app_code: str | None
    username: str | None
    status: int
    result: bool | None
    code: int | None
    trace_id: str
    task_id: int | None
    bk_biz_id: int | None
    latency: float = 0.0
    fault: str | None = None
    rules: tuple[str, ...] = ()
    cost: int = ENTRY_COST  # what the journal counts it as (Journal.bytes)

    def to_dict(self, tz: tzinfo) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.astimezone(tz).isoformat(),
            "method": self.method,
            "path": self.path,
            "operation": self.operation,
            "family": self.family,
            "params": self.params,
            "app_code": self.app_code,
            "username": self.username,
            "status": self.status,
            "result": self.result,
            "code": self.code,
            "trace_id": self.trace_id,
            "task_id": self.task_id,
            "bk_biz_id": self.bk_biz_id,
            "latency": self.latency,
            "fault": self.fault,
            "rules": list(self.rules),
        }


@dataclass(frozen=True)
class Query:
    """Which entries to pick; None matches anything."""

    operation: str | None = None
    task_id: int | None = None
    family: str | None = None
    status: int | None = None
    result: bool | None = None
    since: int | None = None  # only entries with seq > since

    def matches(self, entry: Entry) -> bool:
        return (
            (self.operation is None or entry.operation == self.operation)
            and (self.task_id is None or entry.task_id == self.task_id)
            and (self.family is None or entry.family == self.family)
            and (self.status is None or entry.status == self.status)
            and (self.result is None or entry.result is self.result)
            and (self.since is None or entry.seq > self.since)
        )


class Journal:
    """The last `size` entries (0 turns journaling off), at most about `max_bytes` of them.

    `received` counts every entry offered; `bytes` is the estimate of what the ring holds
    (ENTRY_COST per entry plus the size of its kept parameters), its oldest entries leave
    whenever it would pass `max_bytes` (the newest always stays).
    """

    def __init__(self, size: int, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if size < 0:
            raise ValueError(f"journal size must be >= 0, got {size}")
        if max_bytes <= 0:
            raise ValueError(f"journal bytes must be > 0, got {max_bytes}")
        self.size = size
        self.max_bytes = max_bytes
        self._ring: deque[Entry | Deferred] = deque(maxlen=size)
        self._costs: deque[int] = deque(maxlen=size)  # in step with _ring
        self.bytes = 0
        self.received = 0
        self.cleared = 0

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def add(self, entry: Entry | Deferred) -> None:
        self.received += 1
        if not self.size:
            return
        costs = self._costs
        # Both rings have maxlen `size`: once full, each append pushes its oldest out in step.
        if len(costs) == self.size:
            self.bytes -= costs[0]
        cost = entry.cost
        self._ring.append(entry)
        costs.append(cost)
        self.bytes += cost
        if self.bytes > self.max_bytes:
            self._shed()

    def _shed(self) -> None:
        """Oldest entries out until the bytes fit again (the newest always stays)."""
        ring, costs = self._ring, self._costs
        while self.bytes > self.max_bytes and len(ring) > 1:
            ring.popleft()
            self.bytes -= costs.popleft()

    def __len__(self) -> int:
        return len(self._ring)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries())

    def _entries(self) -> tuple[Entry, ...]:
        """Every entry, the deferred ones built now (once: the ring keeps what was built)."""
        ring = self._ring
        if any(type(e) is Deferred for e in ring):
            built = [e.build() if isinstance(e, Deferred) else e for e in ring]
            ring.clear()
            ring.extend(built)
        return tuple(e for e in ring if isinstance(e, Entry))

    @property
    def evicted(self) -> int:
        """Entries pushed out by newer ones (not counting those removed by `clear`)."""
        return self.received - self.cleared - len(self._ring)

    def select(self, query: Query, limit: int | None = None) -> list[Entry]:
        """Matching entries, oldest first; with `limit`, only the newest `limit` of them."""
        found = [e for e in self._entries() if query.matches(e)]
        return found if limit is None else found[max(0, len(found) - limit) :]

    def count(self, query: Query) -> int:
        return sum(1 for e in self._entries() if query.matches(e))

    def clear(self) -> int:
        removed = len(self._ring)
        self.cleared += removed
        self._ring.clear()
        self._costs.clear()
        self.bytes = 0
        return removed


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


@dataclass(slots=True)
class Deferred:
    """What one request left for its entry, built into an `Entry` only when the journal is read.

    Building an entry (the masked summary, the ids) cost about a fifth of the mock's own work on
    a cheap GET, and most entries are pushed out of the ring unread. Only what the entry needs
    is kept: the parameters as received (nothing alters them once the answer is made: handlers
    read parameters and never write them), the ids, the caller, and a few scalars of the
    answer. Not the answer body or the call: those are freed with the answer, while they are
    still in the cache, rather than a thousand requests later.
    """

    method: str
    path: str
    query_string: bytes
    seq: int
    at: datetime
    operation: str | None
    family: str | None
    params: Mapping[str, Any] | None  # None: none, or never parsed (a GET's query is, later)
    ids: Mapping[str, Any]
    identity: Identity | None
    status: int
    result: Any
    code: Any
    created_task_id: Any
    trace_id: str
    decision: Decision | None
    cost: int = ENTRY_COST
    summarized: bool = False  # `params` is already the entry's summary

    def build(self) -> Entry:
        decision, ids = self.decision, self.ids
        params: Mapping[str, Any] = self.params if self.params is not None else {}
        if self.params is None and self.method == "GET":
            params = dict(parse_qsl(self.query_string.decode("latin-1"), keep_blank_values=True))
        task_id = _int(ids.get("task_id", params.get("task_id")))
        if task_id is None:
            task_id = _int(self.created_task_id)
        result, identity = self.result, self.identity
        return Entry(
            seq=self.seq,
            at=self.at,
            method=self.method,
            path=self.path,
            operation=self.operation,
            family=self.family,
            params=params if self.summarized else summarize(params),
            app_code=identity.app_code if identity is not None else None,
            username=identity.username if identity is not None else None,
            status=self.status,
            result=result if isinstance(result, bool) else None,
            code=_int(self.code),
            trace_id=self.trace_id,
            task_id=task_id,
            bk_biz_id=_int(ids.get("bk_biz_id", params.get("bk_biz_id"))),
            latency=0.0 if decision is None else decision.latency,
            fault=None if decision is None or decision.fault is None else decision.fault.kind,
            rules=() if decision is None else decision.fired,
            cost=self.cost,
        )


def request_entry(
    request: Request,
    seq: int,
    at: datetime,
    operation: str | None,
    family: str | None,
    raw: RawInput | None,
    call: Call | None,
    status: int,
    body: Any,
    trace_id: str,
    decision: Decision | None = None,
) -> Deferred:
    """The entry of one request, from whatever the pipeline got to before it answered."""
    scope = request.scope  # request.url would rebuild the whole URL: 8 us per request
    ids: Mapping[str, Any] = {}
    if call is not None:
        ids = call.ids
    elif raw is not None:
        ids = raw.path_ids
    answer = body if isinstance(body, dict) else {}
    data = answer.get("data")
    created = None
    if operation == "create_task" and isinstance(data, dict):
        created = data.get("task_id")
    query = scope.get("query_string", b"")
    params = raw.params if raw is not None and raw.params else None  # none kept: nothing to keep
    cost, summarized = ENTRY_COST + len(query), False
    if params is not None:
        size = _body_size(scope)
        if size is None or size > EAGER_BYTES:  # chunked bodies have no length: treat as large
            params, summarized = summarize(params), True
            size = len(orjson.dumps(params))
        cost += size
    return Deferred(
        scope["method"],
        scope["path"],
        query,
        seq,
        at,
        operation,
        family,
        params,
        ids,
        call.identity if call is not None else None,
        status,
        answer.get("result"),
        answer.get("code"),
        created,
        trace_id,
        decision,
        cost,
        summarized,
    )


def _body_size(scope: Mapping[str, Any]) -> int | None:
    headers = scope.get(HEADER_MAP_KEY)  # the door's map; a bare app builds its own
    value = (headers if headers is not None else dict(scope["headers"])).get(b"content-length")
    return int(value) if value is not None and value.isdigit() else None


def journal_unmatched(
    request: Request, mock: MockState, status: int, body: Any, trace_id: str
) -> None:
    """Journal a request no route took (404, 405); control-plane paths are left out."""
    if not mock.journal.enabled or request.url.path.startswith("/__mock__/"):
        return
    with mock.lock:
        seq, at = mock.next_request(), mock.clock.now()
        entry = request_entry(request, seq, at, None, None, None, None, status, body, trace_id)
        mock.journal.add(entry)
