"""callback_url webhooks (issue 15 item 4), against a receiver served on 127.0.0.1.

bk-sops calls back when the task finishes, when a node fails and (twice) when the task is
revoked; `callback_version` "v2" posts JSON with the task's outputs, anything else a form; a
failed call is tried again 1 s later on the clock, three times. No sleeps: the virtual clock
moves, and a clock move answers only after the callbacks due by then were made.
"""

from __future__ import annotations

import itertools
import json
import urllib.request
from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.cli import parser, settings_from
from mockserver.outbound.sender import allowed
from mockserver.running import RunningMock
from mockserver.settings import Settings

from .api import AUTH_HEADER, FAMILIES, Api
from .receiver import receiving
from .taskflow import (
    ALWAYS_FAILING,
    ALWAYS_FAILING_NODE,
    BIZ,
    LINEAR,
    OTHER_BIZ,
    PAUSING,
    create,
    idle,
    node_of,
    start,
    status,
)


@pytest.fixture
def receiver():
    with receiving() as served:
        yield served


def _form(**fields: Any) -> bytes:
    return "&".join(f"{k}={v}" for k, v in fields.items()).encode()


def _hooks(client: Any, task_id: int | None = None) -> dict[str, Any]:
    answer = client.get(
        "/__mock__/webhooks", params={} if task_id is None else {"task_id": task_id}
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _outbound(client: Any) -> list[dict[str, Any]]:
    answer = client.get("/__mock__/journal", params={"family": "outbound"})
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


def _run_until(api: Any, advance: Any, task: dict[str, Any], state: str, step: float = 1.0) -> None:
    for _ in range(600):
        if status(api, task)["state"] == state:
            return
        advance(step)
    raise AssertionError(f"the task never reached {state}")


def test_v2_posts_json_with_the_outputs_when_the_clock_reaches_the_finish(
    api, advance, client, receiver
):
    hook = receiver.url + "/done?source=sops"
    task = create(api, LINEAR, callback_url=hook, callback_version="v2")
    start(api, task)
    while status(api, task)["state"] != "FINISHED":
        assert receiver.received == []  # not before the clock reaches the task's end
        advance(1)
    (call,) = receiver.received
    detail = api.ok("get_task_detail", task["ids"])["data"]
    assert detail["outputs"]  # LINEAR has a pipeline output: it rides along
    expected = {
        "task_id": task["task_id"],
        "callback_version": "v2",
        "task_success": True,
        "task_outputs": detail["outputs"],
    }
    assert call.body == json.dumps(expected).encode()  # requests' json= encoding
    assert (call.path, call.content_type) == ("/done?source=sops", "application/json")
    (record,) = _hooks(client, task["task_id"])["records"]
    assert (record["status"], record["callback_version"]) == ("success", "v2")
    # Made at the finish's clock reading, not at the reading the clock was moved to.
    finished = datetime.strptime(detail["finish_time"], "%Y-%m-%d %H:%M:%S %z")
    made = datetime.fromisoformat(record["callback_time"])
    assert made.replace(microsecond=0) == finished and made < datetime.fromisoformat(
        client.get("/__mock__/clock").json()["now"]
    )
    (entry,) = _outbound(client)
    assert (entry["method"], entry["path"], entry["operation"]) == ("POST", hook, "task_callback")
    assert (entry["status"], entry["result"], entry["task_id"]) == (200, True, task["task_id"])
    assert entry["params"] == expected and entry["at"] == record["callback_time"]


def test_without_v2_the_fields_go_as_a_form(api, client, receiver):
    plain = create(api, LINEAR, callback_url=receiver.url)
    v1 = create(api, LINEAR, callback_url=receiver.url, callback_version="v1")
    started = api.ok(  # this view stores no callback_version at all
        "create_and_start_task",
        {"template_id": LINEAR, "bk_biz_id": BIZ},
        {"name": "x", "callback_url": receiver.url, "callback_version": "v2"},
    )["data"]
    start(api, plain)
    start(api, v1)
    idle(client)
    bodies = sorted(r.body for r in receiver.received)
    assert bodies == sorted(
        [
            _form(task_id=plain["task_id"], task_success=True),
            _form(task_id=v1["task_id"], callback_version="v1", task_success=True),
            _form(task_id=started["task_id"], task_success=True),
        ]
    )
    assert {r.content_type for r in receiver.received} == {"application/x-www-form-urlencoded"}


def test_each_node_failure_calls_back_with_task_success_false(api, advance, client, receiver):
    task = create(
        api, ALWAYS_FAILING, biz=OTHER_BIZ, callback_url=receiver.url, callback_version="v2"
    )
    start(api, task)
    _run_until(api, advance, task, "FAILED")
    failed = {"task_id": task["task_id"], "callback_version": "v2", "task_success": False}
    # Nothing finished yet: get_task_detail's outputs are empty, and so are task_outputs.
    assert receiver.wait_for(1)[0].body == json.dumps({**failed, "task_outputs": []}).encode()
    node = node_of(task["pipeline_tree"], ALWAYS_FAILING_NODE)
    api.ok("operate_node", task["ids"], {"node_id": node, "action": "retry"})
    _run_until(api, advance, task, "FAILED")
    assert len(receiver.received) == 2
    deliveries = _hooks(client, task["task_id"])["deliveries"]
    assert [(d["event"], d["node_id"], d["outcome"]) for d in deliveries] == [
        ("failed", node, "success"),
        ("failed", node, "success"),
    ]
    # The task has not ended: the record stays watched, and a revoke calls back twice more.
    api.ok("operate_task", task["ids"], {"action": "revoke"})
    assert len(receiver.received) == 4


def test_a_revoke_calls_back_twice_as_bk_sops_signal_handlers_do(api, client, receiver):
    task = create(api, PAUSING, callback_url=receiver.url)
    start(api, task)
    idle(client)
    assert receiver.received == []  # waiting for its node callback: no end yet
    api.ok("operate_task", task["ids"], {"action": "revoke"})
    # The answer's background task made them (the test client waits for it).
    revoked = _form(task_id=task["task_id"], task_success=False)
    assert [r.body for r in receiver.received] == [revoked, revoked]
    assert [d["event"] for d in _hooks(client)["deliveries"]] == ["revoked", "revoked"]


def test_a_failed_call_is_tried_again_each_second_of_the_clock(api, advance, client, receiver):
    receiver.statuses = [500, 503, 502]
    task = create(api, LINEAR, callback_url=receiver.url)
    start(api, task)
    idle(client)  # the clock stops at the task's finish
    assert len(receiver.received) == 1
    advance(0.5)
    assert len(receiver.received) == 1
    advance(0.5)
    assert len(receiver.received) == 2
    advance(5)  # both remaining attempts fall due on the way, one second apart
    assert len(receiver.received) == 4
    entries = _outbound(client)
    assert [(e["status"], e["result"]) for e in entries] == [
        (500, False),
        (503, False),
        (502, False),
        (200, True),
    ]
    times = [datetime.fromisoformat(e["at"]) for e in entries]
    assert [(b - a).total_seconds() for a, b in itertools.pairwise(times)] == [1, 1, 1]
    (delivery,) = _hooks(client)["deliveries"]
    assert [a["attempt"] for a in delivery["attempts"]] == [0, 1, 2, 3]
    assert delivery["outcome"] == "success" and delivery["due"] is None


def test_after_three_retries_the_record_fails(api, advance, client, receiver):
    receiver.statuses = [500] * 10
    task = create(api, LINEAR, callback_url=receiver.url)
    start(api, task)
    idle(client)
    advance(60)
    assert len(receiver.received) == 4  # the call and REQUEST_RETRY_NUMBER (3) retries
    (record,) = _hooks(client)["records"]
    assert record["status"] == "fail"
    advance(60)
    assert len(receiver.received) == 4


def test_hosts_outside_the_allowed_list_are_never_called(api, advance, client):
    task = create(api, LINEAR, callback_url="http://hooks.example.invalid/done")
    start(api, task)
    idle(client)
    advance(10)
    (delivery,) = _hooks(client)["deliveries"]
    assert [a["status"] for a in delivery["attempts"]] == [0, 0, 0, 0]
    assert "not in the mock's webhook hosts" in delivery["attempts"][0]["error"]
    assert delivery["outcome"] == "fail"


def test_the_host_rule():
    local = ("127.0.0.1", "localhost", "::1")
    assert allowed("http://LOCALHOST:9/x", local) and allowed("http://[::1]:80/", local)
    assert not allowed("http://127.0.0.1.example.com/", local)
    assert allowed("https://anywhere.example/", ("*",))


@pytest.mark.parametrize("family", FAMILIES)
def test_callbacks_on_every_family(client, family, receiver):
    api = Api(client, family)
    created = api.ok(
        "create_and_start_task",
        {"template_id": LINEAR, "bk_biz_id": BIZ},
        {"name": family, "callback_url": f"{receiver.url}/{family}"},
    )["data"]
    idle(client)
    (call,) = receiver.received
    assert call.path == f"/{family}"
    assert call.body == _form(task_id=created["task_id"], task_success=True)


def test_records_survive_a_snapshot(api, settings, receiver):
    task = create(api, LINEAR, callback_url=receiver.url, callback_version="v2")
    snapshot = api.client.get("/__mock__/state").json()
    assert [r["url"] for r in snapshot["webhooks"]] == [receiver.url]
    with TestClient(create_app(settings)) as other:
        assert other.put("/__mock__/state", json=snapshot).status_code == 200
        copy = Api(other)
        start(copy, task)
        idle(other)
    (call,) = receiver.received
    assert json.loads(call.body)["task_id"] == task["task_id"]


def test_a_bad_webhooks_snapshot_changes_nothing(api, client):
    snapshot = client.get("/__mock__/state").json()
    snapshot["webhooks"] = [{"task_id": 1}]
    answer = client.put("/__mock__/state", json=snapshot)
    assert answer.status_code == 400 and "webhooks" in answer.json()["message"]
    assert _hooks(client)["records"] == []


def test_a_slow_receiver_never_holds_up_the_served_mock():
    with receiving() as receiver, RunningMock(seed=3) as mock:
        receiver.hold()
        task = _post(
            mock,
            f"/apigw/create_task/{PAUSING}/{BIZ}/",
            {"name": "x", "callback_url": receiver.url},
        )["data"]
        path = f"/apigw/%s/{task['task_id']}/{BIZ}/"
        _post(mock, path % "start_task", {})
        mock.advance(1)  # past the queued start's delay: a task never started is not revoked
        _post(mock, path % "operate_task", {"action": "revoke"})
        receiver.wait_for(1)  # the first callback is in flight, held by the receiver
        # The mock still answers while its worker waits for the receiver.
        assert _get(mock, path % "get_task_status")["data"]["state"] == "REVOKED"
        receiver.release()
        mock.advance(0)  # returns once the due callbacks were made
        assert len(receiver.received) == 2
        assert mock.journal_count(family="outbound") == 2


def _post(mock: RunningMock, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        mock.base_url + path, data=json.dumps(body).encode(), headers=AUTH_HEADER, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def _get(mock: RunningMock, path: str) -> Any:
    request = urllib.request.Request(mock.base_url + path, headers=AUTH_HEADER)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_the_serve_flags_choose_hosts_and_timeout():
    hosts = ["--webhook-host", "hooks.internal", "--webhook-host", "127.0.0.1"]
    chosen = settings_from(parser().parse_args(["serve", *hosts, "--webhook-timeout", "2.5"]))
    assert chosen.webhook_hosts == ("hooks.internal", "127.0.0.1")
    assert chosen.webhook_timeout == 2.5
    assert settings_from(parser().parse_args(["serve"])).webhook_hosts == Settings().webhook_hosts


def test_with_the_wall_clock_a_ticker_makes_the_calls():
    """Nobody calls the mock after the start: time moving by itself is enough."""
    with receiving() as receiver, RunningMock(clock="wall", speed=1000.0) as mock:
        body = {"name": "x", "callback_url": receiver.url}
        created = _post(mock, f"/apigw/create_and_start_task/{LINEAR}/{BIZ}/", body)["data"]
        (call,) = receiver.wait_for(1)  # LINEAR takes ~17 s of clock: ~17 ms here
        assert call.body == _form(task_id=created["task_id"], task_success=True)
