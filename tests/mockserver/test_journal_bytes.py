"""The journal's byte bound: large bodies are summarised when filed, and the ring keeps at most
about `journal_bytes` of entries besides at most `journal_size` of them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.journal import EAGER_BYTES, ELIDED, ENTRY_COST, MAX_STRING, Deferred, Journal
from mockserver.settings import Settings

from .api import AUTH_HEADER

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
HEADERS = {**AUTH_HEADER, "Content-Type": "application/json"}


def deferred(seq: int, cost: int) -> Deferred:
    return Deferred(
        "POST", "/x", b"", seq, T0, "query_task_count", "backend", {"n": seq}, {}, None,
        200, True, 0, None, f"t{seq}", None, cost,
    )  # fmt: skip


def test_the_oldest_entries_leave_when_the_bytes_would_pass_the_bound():
    journal = Journal(100, max_bytes=10_000)
    for seq in range(1, 11):
        journal.add(deferred(seq, 3_000))
    # Three entries of 3,000 fit in 10,000; a fourth does not.
    assert [e.seq for e in journal] == [8, 9, 10]
    assert journal.bytes == 9_000 and journal.evicted == 7 and journal.received == 10
    # One entry larger than the whole bound still stays: the newest is always kept.
    journal.add(deferred(11, 50_000))
    assert [e.seq for e in journal] == [11] and journal.bytes == 50_000
    assert journal.clear() == 1 and journal.bytes == 0 and len(journal) == 0


def test_the_entry_bound_and_the_byte_bound_keep_their_counts_in_step():
    journal = Journal(3, max_bytes=1_000_000)
    for seq in range(1, 8):
        journal.add(deferred(seq, 100 * seq))
    assert [e.seq for e in journal] == [5, 6, 7] and journal.bytes == 1_800
    with pytest.raises(ValueError, match="> 0"):
        Journal(3, max_bytes=0)


def big_body(items: int) -> bytes:
    pad = [{"host": f"10.0.{i // 256}.{i % 256}", "note": "x" * 40} for i in range(items)]
    return json.dumps({"group_by": "status", "k" * 2000: "long key", "pad": pad}).encode()


def test_large_bodies_are_summarised_when_filed_and_bounded_by_bytes():
    settings = Settings(clock="virtual", journal_size=1000, journal_bytes=20_000)
    app = create_app(settings)
    payload = big_body(2_000)
    assert len(payload) > EAGER_BYTES
    with TestClient(app) as client:
        for _ in range(30):
            answer = client.post("/apigw/query_task_count/2/", content=payload, headers=HEADERS)
            assert answer.json()["result"] is True
        ring = list(app.state.mock.journal._ring)
        # Filed as summaries, not as the parsed body.
        assert all(isinstance(e, Deferred) and e.summarized for e in ring)
        journal = app.state.mock.journal
        assert 0 < len(journal) < 30 and journal.bytes <= 20_000
        entries = client.get("/__mock__/journal").json()["entries"]
    params = entries[-1]["params"]
    assert params["group_by"] == "status"
    assert len(json.dumps(params)) < 20_000
    assert any(key.endswith(ELIDED) and len(key) == MAX_STRING + 1 for key in params)


def test_small_bodies_are_kept_as_received_until_read(client):
    client.post("/apigw/query_task_count/2/", json={"group_by": "status"}, headers=AUTH_HEADER)
    last = list(client.app.state.mock.journal._ring)[-1]
    assert isinstance(last, Deferred) and not last.summarized
    assert last.params == {"group_by": "status"}
    assert ENTRY_COST < last.cost < ENTRY_COST + 100
