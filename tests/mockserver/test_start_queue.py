"""The queued start (issue 15 item 3): bk-sops answers a start at once and a worker starts
the task later; here the wait is on the mock's clock, drawn from the start delay by the seed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

import fixtures
from mockserver.app import create_app
from mockserver.cli import parser, settings_from
from mockserver.errors import INVALID_OPERATION
from mockserver.startqueue import DEFAULT_DELAY, StartQueue

from .api import FAMILIES, Api
from .taskflow import BIZ, LINEAR, create, failure, idle, status

DELAY = {"min": 2.0, "max": 6.0}
TIME = "%Y-%m-%d %H:%M:%S %z"


@pytest.fixture
def queued(client):
    answer = client.put("/__mock__/starts", json={"delay": DELAY})
    assert answer.status_code == 200, answer.text
    return client


def _queue(client: Any) -> dict[str, Any]:
    answer = client.get("/__mock__/starts")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def _now(client: Any) -> datetime:
    return datetime.fromisoformat(client.get("/__mock__/clock").json()["now"])


def _wait_out(client: Any, task_id: int) -> datetime:
    """Move the clock to the queued start's due reading; return it."""
    (item,) = [i for i in _queue(client)["pending"] if i["task_id"] == task_id]
    due = datetime.fromisoformat(item["due"])
    answer = client.post("/__mock__/clock", json={"to": item["due"]})
    assert answer.status_code == 200
    return due


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("how", ["start_task", "operate_task"])
def test_a_start_answers_at_once_and_the_task_starts_when_the_clock_reaches_it(queued, family, how):
    api = Api(queued, family)
    task = create(api, LINEAR)
    params = {"action": "start"} if how == "operate_task" else None
    assert api.ok(how, task["ids"], params)["result"] is True
    queued_at = _now(queued)
    assert status(api, task)["state"] == "CREATED"  # read right after: still waiting
    (item,) = _queue(queued)["pending"]
    due = datetime.fromisoformat(item["due"])
    wait = (due - queued_at).total_seconds()
    assert DELAY["min"] <= wait <= DELAY["max"]
    queued.post("/__mock__/clock", json={"advance": wait / 2})
    assert status(api, task)["state"] == "CREATED"
    _wait_out(queued, task["task_id"])
    started = status(api, task)
    assert started["state"] == "RUNNING"
    # Started at the worker's reading, not the request's.
    assert started["start_time"] == due.strftime(TIME)
    assert _queue(queued)["pending"] == []


@pytest.mark.parametrize("family", FAMILIES)
def test_create_and_start_task_queues_its_start(queued, family):
    api = Api(queued, family)
    created = api.ok(
        "create_and_start_task", {"template_id": LINEAR, "bk_biz_id": BIZ}, {"name": "q"}
    )["data"]
    task = {"ids": {"task_id": created["task_id"], "bk_biz_id": BIZ}}
    assert status(api, task)["state"] == "CREATED"
    _wait_out(queued, created["task_id"])
    assert status(api, task)["state"] == "RUNNING"


def test_while_a_start_waits_another_is_accepted_then_refused_once_started(api, queued):
    task = create(api, LINEAR)
    api.ok("start_task", task["ids"])
    # bk-sops checks only is_started: a second start queues a second worker run.
    api.ok("start_task", task["ids"])
    pending = _queue(queued)["pending"]
    assert [i["task_id"] for i in pending] == [task["task_id"]] * 2
    # Task actions before the start runs are those of a task never started.
    paused = api.call("operate_task", task["ids"], {"action": "pause"})
    assert paused["result"] is False and paused["message"] == "task not started"
    idle(queued)  # runs both: the second worker finds the task started and drops it
    assert status(api, task)["state"] == "FINISHED"
    assert failure(api.call("start_task", task["ids"]), INVALID_OPERATION) == "task already started"


def test_the_delay_is_seeded_per_task_and_start(settings):
    def due_times(seed: int) -> list[str]:
        app = create_app(settings.with_(seed=seed, start_delay=(2.0, 6.0)))
        with TestClient(app) as client:
            api = Api(client)
            tasks = [create(api, LINEAR) for _ in range(3)]
            for task in tasks:
                api.ok("start_task", task["ids"])
            return [i["due"] for i in _queue(client)["pending"]]

    first, again, other = due_times(7), due_times(7), due_times(8)
    assert first == again and first != other
    assert len(set(first)) == 3  # each task draws its own
    queue = StartQueue(7, (2.0, 6.0))
    assert queue.wait(1) != queue.wait(2)
    assert StartQueue(7).delay == DEFAULT_DELAY


def test_a_dead_worker_loses_the_start_silently(api, queued):
    rule = {
        "id": "dead",
        "operations": ["start_task"],
        "times": 1,
        "fault": {"kind": "dead_worker"},
    }
    assert queued.post("/__mock__/faults", json=rule).status_code == 201
    task = create(api, LINEAR)
    answer = api.ok("start_task", task["ids"])  # the answer is the view's own: success
    assert answer["data"]["task_url"] == task["task_url"]
    queued.post("/__mock__/clock", json={"advance": 3600})
    assert status(api, task)["state"] == "CREATED"
    (lost,) = _queue(queued)["lost"]
    assert lost["task_id"] == task["task_id"]
    (entry,) = queued.get("/__mock__/journal", params={"operation": "start_task"}).json()["entries"]
    assert (entry["fault"], entry["result"]) == ("dead_worker", True)
    # The rule fired once: the client's next start goes through.
    api.ok("start_task", task["ids"])
    idle(queued)
    assert status(api, task)["state"] == "FINISHED"


def test_until_idle_runs_queued_starts(api, queued):
    task = create(api, LINEAR)
    api.ok("start_task", task["ids"])
    answer = queued.post("/__mock__/clock", json={"until_idle": True}).json()
    assert answer["idle"] is True
    assert status(api, task)["state"] == "FINISHED"


def test_a_snapshot_keeps_waiting_starts(api, queued, settings):
    task = create(api, LINEAR)
    api.ok("start_task", task["ids"])
    snapshot = queued.get("/__mock__/state").json()
    with TestClient(create_app(settings)) as other:
        assert other.put("/__mock__/state", json=snapshot).status_code == 200
        assert _queue(other)["pending"] == _queue(queued)["pending"]
        copy = Api(other)
        assert status(copy, task)["state"] == "CREATED"
        _wait_out(other, task["task_id"])
        assert status(copy, task)["state"] == "RUNNING"


def test_bad_delays_are_refused(client):
    for delay in ({"min": 3, "max": 1}, {"min": -1, "max": 1}, {"min": "a", "max": 1}, {}):
        answer = client.put("/__mock__/starts", json={"delay": delay})
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_delay"
    assert _queue(client)["delay"] == {"min": DEFAULT_DELAY[0], "max": DEFAULT_DELAY[1]}


def test_the_delay_comes_from_the_fixture_or_the_flag(settings, tmp_path):
    fixture = fixtures.load("minimal")
    fixture["start_delay"] = {"min": 1.5, "max": 1.5}
    path = tmp_path / "slow.json"
    path.write_text(fixtures.dump(fixture), encoding="utf-8")
    with TestClient(create_app(settings.with_(fixture=str(path)))) as client:
        assert _queue(client)["delay"] == {"min": 1.5, "max": 1.5}
    flagged = settings_from(parser().parse_args(["serve", "--start-delay", "0.2:0.8"]))
    assert flagged.start_delay == (0.2, 0.8)
    assert settings_from(parser().parse_args(["serve", "--start-delay", "1"])).start_delay == (
        1.0,
        1.0,
    )


def test_a_default_mock_reads_created_after_a_start_and_running_after_the_delay(settings):
    def run(seed: int) -> str:
        with TestClient(create_app(settings.with_(seed=seed))) as client:
            api = Api(client)
            task = create(api, LINEAR)
            api.ok("start_task", task["ids"])
            queued_at = _now(client)
            assert status(api, task)["state"] == "CREATED"  # the worker has not run yet
            (item,) = _queue(client)["pending"]
            wait = (datetime.fromisoformat(item["due"]) - queued_at).total_seconds()
            assert DEFAULT_DELAY[0] <= wait <= DEFAULT_DELAY[1]
            client.post("/__mock__/clock", json={"advance": DEFAULT_DELAY[1]})
            started = status(api, task)
            assert started["state"] == "RUNNING"
            assert started["start_time"] == datetime.fromisoformat(item["due"]).strftime(TIME)
            return str(item["due"])

    assert DEFAULT_DELAY == (0.1, 1.0)
    first = run(7)
    assert run(7) == first  # the same seed, the same worker reading
    assert run(8) != first


def test_a_zero_delay_starts_at_once(settings):
    with TestClient(create_app(settings.with_(start_delay=(0.0, 0.0)))) as client:
        api = Api(client)
        task = create(api, LINEAR)
        api.ok("start_task", task["ids"])
        assert status(api, task)["state"] == "RUNNING"
        assert _queue(client)["pending"] == []
