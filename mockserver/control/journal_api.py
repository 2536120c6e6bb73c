"""The request journal over HTTP: read (filtered), count and clear."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams

from mockserver.journal import Query
from mockserver.state import MockState
from schemas.control_store import control_schema

from .base import ControlError, query_bool, query_int
from .contract import Answer, Ask

# The filters a query may name are those its schema declares (the document lists the same).
_FILTERS = frozenset(control_schema("journal/filters")["properties"])
_LISTING = frozenset(control_schema("journal/listing")["properties"])


def _query(params: QueryParams, known: frozenset[str]) -> Query:
    unknown = sorted(set(params) - known)
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


def read_journal(ask: Ask) -> Answer:
    """Entries oldest first (`limit` keeps the newest N)."""
    mock, params = ask.mock, ask.request.query_params
    query = _query(params, _LISTING)
    limit = query_int(params, "limit")
    with mock.lock:
        found = mock.journal.select(query, limit)
        counters = _state(mock)
    entries = [e.to_dict(mock.tz) for e in found]
    return 200, {"entries": entries, "count": len(entries), **counters}


def clear_journal(ask: Ask) -> Answer:
    with ask.mock.lock:
        removed = ask.mock.journal.clear()
        return 200, {"cleared": removed, **_state(ask.mock)}


def count(ask: Ask) -> Answer:
    mock, params = ask.mock, ask.request.query_params
    if "limit" in params:
        raise ControlError(400, "invalid_filter", "count takes no limit")
    query = _query(params, _FILTERS)
    with mock.lock:
        return 200, {"count": mock.journal.count(query), **_state(mock)}


def _state(mock: MockState) -> dict[str, Any]:
    """The ring's size, requests offered since reset, entries pushed out, entries held."""
    j = mock.journal
    return {"size": j.size, "received": j.received, "evicted": j.evicted, "held": len(j)}
