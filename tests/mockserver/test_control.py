"""The minimal control API: health, reset, and the clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

BIZ = 2


def test_health_names_fixture_seed_and_clock(client):
    body = client.get("/__mock__/health").json()
    assert body["status"] == "ok" and body["fixture"] == "default" and body["seed"] == 7
    assert body["mode"] == "virtual"


def test_clock_advances_and_sets(client):
    start = datetime.fromisoformat(client.get("/__mock__/clock").json()["now"])
    moved = client.post("/__mock__/clock", json={"advance": 90}).json()
    assert datetime.fromisoformat(moved["now"]) == start + timedelta(seconds=90)
    target = start + timedelta(days=1)
    assert client.post("/__mock__/clock", json={"to": target.isoformat()}).status_code == 200
    assert datetime.fromisoformat(client.get("/__mock__/clock").json()["now"]) == target


def test_clock_refuses_bad_moves(client):
    now = datetime.fromisoformat(client.get("/__mock__/clock").json()["now"])
    cases = [
        ({"advance": -1}, "invalid_advance"),
        ({"advance": "10"}, "invalid_advance"),
        ({"to": (now - timedelta(seconds=1)).isoformat()}, "clock_backwards"),
        ({"to": "yesterday"}, "invalid_time"),
        ({"to": "2026-01-01T00:00:00"}, "invalid_time"),
        ({}, "invalid_move"),
    ]
    for body, error in cases:
        answer = client.post("/__mock__/clock", json=body)
        assert answer.status_code == 400 and answer.json()["error"] == error, body
    assert client.post("/__mock__/clock", content=b"[1]").json()["error"] == "invalid_json"


def test_until_idle_runs_every_started_task_to_rest(api, client):
    ids = []
    for _ in range(3):
        created = api.ok("create_task", {"template_id": 31, "bk_biz_id": BIZ}, {"name": "x"})
        ids.append(created["data"]["task_id"])
        api.ok("start_task", {"task_id": ids[-1], "bk_biz_id": BIZ})
    body = client.post("/__mock__/clock", json={"until_idle": True}).json()
    assert body["idle"] is True and body["steps"] >= 1
    states = {
        api.ok("get_task_status", {"task_id": t, "bk_biz_id": BIZ})["data"]["state"] for t in ids
    }
    assert states == {"FINISHED"}


def test_reset_forgets_tasks_and_can_switch_fixture_and_seed(api, client):
    api.ok("create_task", {"template_id": 30, "bk_biz_id": BIZ}, {"name": "x"})
    body = client.post("/__mock__/reset", json={"fixture": "minimal", "seed": 3}).json()
    assert body == {"status": "reset", "fixture": "minimal", "seed": 3}
    assert client.get("/__mock__/health").json()["fixture"] == "minimal"
    client.post("/__mock__/reset", json={"fixture": "default"})
    counted = api.ok("query_task_count", {"bk_biz_id": BIZ}, {"group_by": "status"})
    assert counted["data"]["total"] == 0


def test_reset_refuses_bad_input(client):
    assert client.post("/__mock__/reset", json={"seed": "x"}).json()["error"] == "invalid_seed"
    answer = client.post("/__mock__/reset", json={"fixture": "no-such-fixture"})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_fixture"
    assert client.get("/__mock__/health").json()["fixture"] == "default"


def test_the_wall_clock_cannot_be_moved():
    with TestClient(create_app(Settings(clock="wall"))) as wall:
        answer = wall.post("/__mock__/clock", json={"advance": 5})
        assert answer.status_code == 409 and answer.json()["error"] == "wall_clock"


def test_control_can_be_turned_off_or_guarded():
    with TestClient(create_app(Settings(control=False))) as off:
        assert off.get("/__mock__/health").status_code == 404
    with TestClient(create_app(Settings(control_token="t0k"))) as guarded:
        assert guarded.get("/__mock__/health").status_code == 401
        ok = guarded.get("/__mock__/health", headers={"Authorization": "Bearer t0k"})
        assert ok.status_code == 200
