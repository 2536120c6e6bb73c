"""The request journal over HTTP: read (filtered), count and clear."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from mockserver.journal import Query
from mockserver.state import MockState

from .base import ControlError, guarded, ok, query_bool, query_int

FILTERS = ("operation", "task_id", "family", "status", "result", "since")
_KNOWN = frozenset({*FILTERS, "limit"})


def _query(params: QueryParams) -> Query:
    unknown = sorted(set(params) - _KNOWN)
    if unknown:
        raise ControlError(400, "invalid_filter", f"unknown filter {unknown[0]!r}")
    return Query(
        operation=params.get("operation") or None,
        task_id=query_int(params, "task_id"),
        family=params.get("family") or None,
        status=query_int(params, "status"),
        result=query_bool(params, "result"),
        since=query_int(params, "since"),
    )


async def journal(request: Request) -> Response:
    """GET entries oldest first (`limit` keeps the newest N); DELETE clears the journal."""
    mock = guarded(request)
    if request.method == "DELETE":
        with mock.lock:
            removed = mock.journal.clear()
            return ok({"cleared": removed, **_state(mock)})
    query = _query(request.query_params)
    limit = query_int(request.query_params, "limit")
    with mock.lock:
        found = mock.journal.select(query, limit)
        counters = _state(mock)
    entries = [e.to_dict(mock.tz) for e in found]
    return ok({"entries": entries, "count": len(entries), **counters})


async def count(request: Request) -> Response:
    mock = guarded(request)
    params = request.query_params
    if "limit" in params:
        raise ControlError(400, "invalid_filter", "count takes no limit")
    query = _query(params)
    with mock.lock:
        return ok({"count": mock.journal.count(query), **_state(mock)})


def _state(mock: MockState) -> dict[str, Any]:
    """The ring's size, requests offered since reset, entries pushed out, entries held."""
    j = mock.journal
    return {"size": j.size, "received": j.received, "evicted": j.evicted, "held": len(j)}
