"""The answer caches of bk-sops's views, keyed and timed on the mock's clock (DESIGN.md §6).

bk-sops wraps four task-API views in cachetools caches (gcloud/apigw/views/):

| view                    | decorator                 | ttl  | kept                        |
| get_task_status         | bucket_cached(BucketTTL.) | 10 s | not a failure, not CREATED  |
| get_tasks_status        | cached(TTLCache, ...)     | 10 s | every answer of the view    |
| get_task_detail         | bucket_cached(BucketTTL.) | 60 s | every answer of the view    |
| get_user_project_detail | cached(TTLCache, ...)     | 60 s | every answer of the view    |

The key (gcloud/apigw/utils.py deal_request_args) is the request path, the user and the sorted
parameters (query for GET, JSON body for POST). The path holds the ids, and the gateway and ESB
reach bk-sops on the same backend path, so here the key is the ids, the user and the other
parameters (credentials left out): a read on one URL family fills the cache for the others.
The caches sit inside the decorators: project lookup and the IAM interceptor run on every
request, and what they answer is never cached; what the view itself returns is. A hit is the
kept dict with this request's trace_id, since `return_json_response` writes the new trace id
into the cached dict. Each cache holds at most 1024 entries per bucket (bk-sops buckets the
two `bucket_cached` views by project), the least recently used going first when full.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from .auth import CREDENTIAL_KEYS
from .call import Call
from .errors import ApiError

if TYPE_CHECKING:
    from .state import MockState

# The mock's own dashboard (ui/api.js DEFAULT_IDENTITY) shows tasks as they are, as bk-sops's
# own web pages do (they read through views without these caches).
FRESH_APPS = frozenset({"sops-mock-dashboard"})
Body = dict[str, Any]
Handler = Callable[[Call, "MockState"], Body]
MAXSIZE = 1024


def _status_kept(body: Body) -> bool:
    """get_task_status's cache_decisioner: no failure, no task still CREATED."""
    if not body.get("result"):
        return False
    data = body.get("data")
    if not isinstance(data, dict):  # a pre-serialized tree (handlers/statuswire.py)
        data = orjson.loads(orjson.dumps(data))
    return bool(data.get("state") != "CREATED")


class Rule(NamedTuple):
    ttl: float
    by_project: bool  # BucketTTLCache: one cache per project
    kept: Callable[[Body], bool] | None = None


RULES: dict[str, Rule] = {
    "get_task_status": Rule(10.0, True, _status_kept),
    "get_tasks_status": Rule(10.0, False),
    "get_task_detail": Rule(60.0, True),
    "get_user_project_detail": Rule(60.0, False),
}


class AnswerCache:
    """Every cache of one app; `enabled` False makes every read fresh (and keeps nothing)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._caches: dict[tuple[str, int | None], OrderedDict[Any, tuple[datetime, Body]]] = {}

    def clear(self) -> None:
        self._caches.clear()

    def counts(self) -> dict[str, int]:
        """Live and expired entries held per operation (expired ones go when space is needed)."""
        out = dict.fromkeys(RULES, 0)
        for (op, _), entries in self._caches.items():
            out[op] += len(entries)
        return out

    def serve(self, rule: Rule, call: Call, mock: MockState, handler: Handler) -> Body:
        if not self.enabled or call.identity.app_code in FRESH_APPS:
            return handler(call, mock)
        bucket = call.require_project().project_id if rule.by_project else None
        cache = self._caches.setdefault((call.op.name, bucket), OrderedDict())
        key = _key(call)
        now = mock.clock.now()
        hit = cache.get(key)
        if hit is not None:
            if now < hit[0]:
                cache.move_to_end(key)
                body = hit[1].copy()
                body["trace_id"] = call.trace_id
                return body
            del cache[key]
        try:
            body = handler(call, mock)
        except ApiError as exc:
            if not exc.trace:  # not the view's own answer (a decorator's or middleware's)
                raise
            body = exc.body(call.trace_id)
        if rule.kept is None or rule.kept(body):
            _put(cache, key, (now + timedelta(seconds=rule.ttl), body.copy()), now)
        return body


def _key(call: Call) -> tuple[Any, ...]:
    ids = tuple(call.ids.items())
    if not call.params:  # a plain poll on the backend or gateway path
        return (ids, call.identity.username, "")
    path_ids = call.op.path_ids
    params = sorted(
        (k, v) for k, v in call.params.items() if k not in CREDENTIAL_KEYS and k not in path_ids
    )
    # repr, as bk-sops keys on str(sorted(params.items())): 1, 1.0 and "1" stay apart.
    return (ids, call.identity.username, repr(params) if params else "")


def _put(
    cache: OrderedDict[Any, tuple[datetime, Body]],
    key: Any,
    entry: tuple[datetime, Body],
    now: datetime,
) -> None:
    if key not in cache and len(cache) >= MAXSIZE:
        for old in [k for k, (expires, _) in cache.items() if not now < expires]:
            del cache[old]
        if len(cache) >= MAXSIZE:
            cache.popitem(last=False)
    cache[key] = entry
    cache.move_to_end(key)
