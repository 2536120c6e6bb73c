"""Bodies nested too deep to be written back are refused at parsing; unhashable JSON values in
places that expect a name get bk-sops's invalid-params answer, never a 500."""

from __future__ import annotations

import json

import orjson
import pytest

from mockserver.jsondepth import (
    MAX_CONTROL_DEPTH,
    MAX_DEPTH,
    MAX_STATE_DEPTH,
    depth_over,
    too_deep,
)

from .api import AUTH_HEADER
from .taskflow import LINEAR, create, failure

JSON_TYPE = {"Content-Type": "application/json"}


def nested(levels: int) -> bytes:
    """An array nested `levels` deep, written by hand (json.dumps would recurse)."""
    return b"[" * levels + b"]" * levels


def create_body(levels: int) -> bytes:
    return b'{"name": "deep", "constants": {"${deep}": ' + nested(levels) + b"}}"


def test_the_depth_walk_counts_levels_exactly():
    assert not depth_over(json.loads(nested(MAX_DEPTH)), MAX_DEPTH)
    assert depth_over(json.loads(nested(MAX_DEPTH + 1)), MAX_DEPTH)
    assert not depth_over({"a": [{"b": []}]}, 4) and depth_over({"a": [{"b": [[]]}]}, 4)
    # Brackets inside strings make the quick count look deep; the walk says it is not.
    shallow = json.dumps({"text": "[" * 500})
    assert not too_deep(shallow.encode(), json.loads(shallow))
    # Deep input does not exhaust the walk's own stack.
    assert depth_over(orjson.loads(nested(1000)), MAX_DEPTH)


def state_of(client) -> dict:
    answer = client.get("/__mock__/state")
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 255, 600, 1000])
def test_create_task_with_constants_nested_too_deep_is_refused(client, levels):
    before = state_of(client)
    path = f"/apigw/create_task/{LINEAR}/2/"
    answer = client.post(path, content=create_body(levels), headers=AUTH_HEADER)
    assert answer.status_code == 200
    assert failure(answer.json(), 3540000) == "invalid param format"
    after = state_of(client)  # still writable: no 500
    assert after["engine"]["tasks"] == before["engine"]["tasks"]


def test_constants_just_under_the_limit_are_kept_and_written_back(client):
    # The body, "constants" and the constant's own object take three levels.
    path = f"/apigw/create_task/{LINEAR}/2/"
    answer = client.post(path, content=create_body(MAX_DEPTH - 2), headers=AUTH_HEADER)
    assert answer.json()["result"] is True, answer.text
    assert len(state_of(client)["engine"]["tasks"]) == 1


@pytest.mark.parametrize("path", ["/__mock__/faults", "/__mock__/state", "/__mock__/clock"])
def test_control_bodies_nested_too_deep_are_refused(client, path):
    before = state_of(client)
    limit = MAX_STATE_DEPTH if path.endswith("state") else MAX_CONTROL_DEPTH
    deep = b'{"fault": {"kind": "app_error", "x": ' + nested(limit + 5) + b"}}"
    method = "PUT" if path.endswith("state") else "POST"
    answer = client.request(method, path, content=deep, headers=JSON_TYPE)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_json" and "deeper" in answer.json()["message"]
    after = state_of(client)
    assert after["faults"] == before["faults"] and after["clock"] == before["clock"]


@pytest.mark.parametrize("action", [{}, [], {"a": 1}, ["retry"]])
def test_operate_node_with_an_object_or_array_action(api, action):
    task = create(api, LINEAR)
    node = next(iter(task["pipeline_tree"]["activities"]))
    body = api.call("operate_node", task["ids"], {"node_id": node, "action": action})
    assert failure(body, 3540000) == "action must be a string"


def test_the_deepest_accepted_values_still_make_a_state_that_goes_back_in(client, api):
    """What the limits let in, the state document wraps and still writes and reads back."""
    outputs = b'{"outputs": {"deep": ' + nested(MAX_CONTROL_DEPTH - 3) + b"}}"
    path = "/__mock__/scenarios/components/job_fast_execute_script"
    answer = client.put(path, content=outputs, headers=JSON_TYPE)
    assert answer.status_code == 200, answer.text
    created = client.post(
        f"/apigw/create_task/{LINEAR}/2/", content=create_body(MAX_DEPTH - 2), headers=AUTH_HEADER
    )
    assert created.json()["result"] is True
    snapshot = client.get("/__mock__/state")
    assert snapshot.status_code == 200
    restored = client.put("/__mock__/state", content=snapshot.content, headers=JSON_TYPE)
    assert restored.status_code == 200, restored.text
    assert client.get("/__mock__/state").content == snapshot.content


@pytest.mark.parametrize("category", [{}, [], {"a": 1}])
def test_fast_create_task_with_an_object_or_array_category(api, category):
    tree = create(api, LINEAR)["pipeline_tree"]
    params = {"name": "fast", "pipeline_tree": tree, "category": category}
    body = api.call("fast_create_task", {"bk_biz_id": 2}, params)
    assert body["result"] is True, body
