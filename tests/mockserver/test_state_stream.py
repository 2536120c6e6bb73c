"""GET /__mock__/state streamed: the same bytes as the whole document serialised at once, taken
at one moment even when the mock moves on while the pieces are written."""

from __future__ import annotations

import orjson
import pytest

from mockserver.snapshot import copy_state, export_state

from .taskflow import LINEAR, PAUSING, create, start


@pytest.fixture
def busy(api, client):
    """Tasks of two templates, some started and moved along, with constants."""
    tasks = [create(api, LINEAR, constants={"${n}": n}) for n in range(5)]
    tasks.append(create(api, PAUSING))
    for task in tasks[:3]:
        start(api, task)
    client.post("/__mock__/clock", json={"advance": 20})
    return tasks


@pytest.mark.parametrize("per_chunk", [1, 2, 4, 500])
def test_the_pieces_are_the_whole_document(app, busy, per_chunk):
    mock = app.state.mock
    with mock.lock:
        whole = orjson.dumps(export_state(mock))
        pieces = list(copy_state(mock).chunks(per_chunk))
    assert b"".join(pieces) == whole
    assert len(pieces) == 3 + -(-len(busy) // per_chunk)


def test_an_empty_engine_streams_too(app):
    mock = app.state.mock
    with mock.lock:
        assert b"".join(copy_state(mock).chunks()) == orjson.dumps(export_state(mock))


def test_the_copy_is_the_state_when_taken_not_when_written(api, app, client, busy):
    mock = app.state.mock
    with mock.lock:
        expected = orjson.dumps(export_state(mock))
        copy = copy_state(mock)
    # The mock moves on: a new task, operations on old ones, constants changed, the clock.
    create(api, LINEAR)
    start(api, busy[3])
    answer = api.call(
        "modify_constants_for_task", busy[4]["ids"], {"constants": {"${n}": "changed"}}
    )
    assert answer["result"] is True, answer
    client.post("/__mock__/clock", json={"advance": 600})
    assert b"".join(copy.chunks(2)) == expected
    assert client.get("/__mock__/state").content != expected  # the live state did move


def test_get_state_answers_the_streamed_document(app, client, busy):
    answer = client.get("/__mock__/state")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    with app.state.mock.lock:
        assert answer.content == orjson.dumps(export_state(app.state.mock))
    # HEAD reads like GET: it never restores anything.
    head = client.head("/__mock__/state")
    assert head.status_code == 200 and client.get("/__mock__/state").content == answer.content
