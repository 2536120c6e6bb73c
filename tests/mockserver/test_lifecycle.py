"""A task's life over HTTP on the virtual clock: times, pause, resume, revoke, failure."""

from __future__ import annotations

from datetime import datetime

import pytest

from mockserver.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # About the run after a start, not the queued start (test_start_queue.py): no wait.
    return settings.with_(start_delay=(0.0, 0.0))


BIZ = 2
LINEAR = 31  # five activities in a row, incl. a sleep_timer
ALWAYS_FAILS = 41  # project 2 (bk_biz_id 3): its report step always fails


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")


def clock_now(client) -> datetime:
    return datetime.fromisoformat(client.get("/__mock__/clock").json()["now"])


def new_task(api, template: int, biz: int = BIZ) -> dict:
    created = api.ok("create_task", {"template_id": template, "bk_biz_id": biz}, {"name": "life"})
    return {"task_id": created["data"]["task_id"], "bk_biz_id": biz}


def status(api, task: dict, **params) -> dict:
    return api.ok("get_task_status", task, params)["data"]


def test_a_task_runs_from_created_to_finished_on_the_clock(api, client, advance):
    task = new_task(api, LINEAR)
    assert status(api, task)["state"] == "CREATED"
    started_at = clock_now(client)
    api.ok("start_task", task)
    seen, previous = [], None
    for _ in range(500):
        data = status(api, task)
        seen.append(data["state"])
        if data["state"] == "FINISHED":
            break
        previous = data
        advance(1)
    assert seen[0] == "RUNNING" and seen[-1] == "FINISHED"
    assert previous is not None and previous["finish_time"] is None
    finished_at = clock_now(client)
    assert at(data["start_time"]) == started_at.replace(microsecond=0)
    assert started_at <= at(data["finish_time"]) <= finished_at
    assert data["elapsed_time"] == round(
        (at(data["finish_time"]) - at(data["start_time"])).total_seconds()
    )
    children = data["children"]
    assert all(child["state"] == "FINISHED" for child in children.values())
    assert all(child["parent_id"] == data["id"] for child in children.values())
    for child in children.values():
        assert at(data["start_time"]) <= at(child["start_time"]) <= at(child["finish_time"])


def test_pause_resume_and_revoke_a_running_task(api, client, advance):
    task = new_task(api, LINEAR)
    api.ok("start_task", task)
    api.ok("operate_task", task, {"action": "pause"})
    assert status(api, task)["state"] == "SUSPENDED"
    client.post("/__mock__/clock", json={"until_idle": True})
    paused = status(api, task)
    assert paused["state"] == "SUSPENDED"
    # Soft pause: the running node finished, and nothing after it started.
    assert not any(c["state"] == "RUNNING" for c in paused["children"].values())
    api.ok("operate_task", task, {"action": "resume"})
    assert status(api, task)["state"] == "RUNNING"
    advance(1)
    api.ok("operate_task", task, {"action": "revoke"})
    revoked = status(api, task)
    assert revoked["state"] == "REVOKED"
    # bamboo-engine sets REVOKED without an archive time, so the root keeps finish_time null.
    assert revoked["finish_time"] is None
    client.post("/__mock__/clock", json={"until_idle": True})
    later = status(api, task)
    assert later["state"] == "REVOKED"
    # A node already running may still finish; no node that had not started ever starts.
    assert set(later["children"]) == set(revoked["children"])
    for key, child in revoked["children"].items():
        if child["state"] != "RUNNING":
            assert later["children"][key]["state"] == child["state"]


def test_a_failing_node_shows_failed_on_the_task(api, client):
    task = new_task(api, ALWAYS_FAILS, biz=3)
    api.ok("start_task", task)
    client.post("/__mock__/clock", json={"until_idle": True})
    data = status(api, task, with_ex_data="true")
    assert data["state"] == "FAILED"
    failed = [c for c in data["children"].values() if c["state"] == "FAILED"]
    assert len(failed) == 1
    assert data["ex_data"] == {failed[0]["id"]: "Traceback: KeyError: 'revenue'"}


def test_status_of_a_created_task_is_the_created_payload(api):
    task = new_task(api, LINEAR)
    data = status(api, task)
    assert data == {
        "start_time": None,
        "state": "CREATED",
        "retry": 0,
        "skip": 0,
        "finish_time": None,
        "elapsed_time": 0,
        "children": {},
        "name": "life",
    }
    body = api.call("get_task_status", task, {"with_failed_node_info": "1"})
    assert body["result"] is False
    assert body["message"] == f"task[id={task['task_id']}] extract failed node info error: 'id'"
