"""A POST body read through Starlette's request stream: in pieces, over the limit, or cut short."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mockserver.app import create_app
from mockserver.settings import Settings

from .api import AUTH_HEADER

BIZ = 2
TEMPLATE = 30
CREATE = f"/apigw/create_task/{TEMPLATE}/{BIZ}/"


def drive(app: Any, path: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send `messages` as the request's receive channel; what the app sent, in order."""
    headers = [(k.lower().encode(), v.encode()) for k, v in AUTH_HEADER.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,  # no content-length: a chunked upload
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    pending = list(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def answer_of(sent: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body)


def chunks(body: bytes, size: int) -> list[dict[str, Any]]:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return [
        {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
        for i, part in enumerate(parts)
    ]


def task_names(app: Any) -> list[str]:
    return [t.name for t in app.state.mock.engine.tasks()]


def test_a_body_in_many_pieces_is_read_whole() -> None:
    app = create_app(Settings(clock="virtual", seed=7))
    body = json.dumps({"name": "pieced together", "description": "x" * 300}).encode()
    status, answer = answer_of(drive(app, CREATE, chunks(body, 7)))
    assert status == 200 and answer["result"] is True, answer
    assert task_names(app) == ["pieced together"]


def test_a_chunked_body_over_the_limit_is_refused_midway_and_changes_nothing() -> None:
    app = create_app(Settings(clock="virtual", seed=7, max_body_bytes=1000))
    body = json.dumps({"name": "big", "description": "y" * 5000}).encode()
    status, answer = answer_of(drive(app, CREATE, chunks(body, 400)))
    assert status == 200 and answer["result"] is False and answer["code"] == 3540000
    assert answer["message"] == "request body is larger than the limit of 1000 bytes"
    assert task_names(app) == []


def test_a_client_gone_before_its_body_ends_makes_no_task_and_no_error() -> None:
    app = create_app(Settings(clock="virtual", seed=7))
    first = chunks(json.dumps({"name": "never finished"}).encode(), 5)[:2]
    sent = drive(app, CREATE, first)  # then the channel reports the disconnect
    statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
    assert statuses == [499]
    assert task_names(app) == []
    assert app.state.mock.journal.received == 0


def test_messages_other_than_body_pieces_are_passed_over() -> None:
    app = create_app(Settings(clock="virtual", seed=7))
    body = json.dumps({"name": "after noise"}).encode()
    messages = [{"type": "http.unknown"}, *chunks(body, 4)]
    status, answer = answer_of(drive(app, CREATE, messages))
    assert status == 200 and answer["result"] is True
    assert task_names(app) == ["after noise"]


def test_the_planted_fault_path_hands_on_the_body_it_read() -> None:
    # planted.serve reads the body first; the answer behind it must still get those bytes.
    app = create_app(Settings(clock="virtual", seed=7, planted_faults=frozenset({"server_error"})))
    body = json.dumps({"name": "read twice"}).encode()
    status, answer = answer_of(drive(app, CREATE, chunks(body, 6)))
    assert status == 200 and answer["result"] is True, answer
    assert task_names(app) == ["read twice"]
