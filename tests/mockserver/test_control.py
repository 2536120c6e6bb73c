"""The control API: health, reset, the clock; the token guard; its own OpenAPI document."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from openapi_spec_validator import validate
from starlette.testclient import TestClient

import schemas
from mockserver import control
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
    json_type = {"Content-Type": "application/json"}
    answer = client.post("/__mock__/clock", content=b"[1]", headers=json_type)
    assert answer.json()["error"] == "invalid_move"
    answer = client.post("/__mock__/clock", content=b"{nope", headers=json_type)
    assert answer.json()["error"] == "invalid_json"


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


# Guarding, and the control API's own document -------------------------------------------
def control_calls() -> list[tuple[str, str]]:
    samples = {
        "{code}": "bk_display",
        "{template_id}": "31",
        "{node_id}": "b4622bc66d53e664e4e764359b19639b",
        "{task_id}": "1",
        "{rule_id}": "r1",
    }
    calls = []
    for route in control.control_routes():
        path = route.path  # type: ignore[attr-defined]
        for name, value in samples.items():
            path = path.replace(name, value)
        for method in sorted(route.methods - {"HEAD"}):  # type: ignore[attr-defined]
            calls.append((method, path))
    return calls


CONTROL_CALLS = control_calls()


def test_every_control_route_is_listed():
    assert len(CONTROL_CALLS) == 34
    assert {path for _, path in CONTROL_CALLS} >= {
        "/__mock__/journal",
        "/__mock__/faults",
        "/__mock__/state",
        "/__mock__/scenarios",
        "/__mock__/openapi.json",
        "/__mock__/webhooks",
        "/__mock__/caches",
    }


@pytest.fixture(scope="module")
def guarded():
    with TestClient(create_app(Settings(control_token="t0k"))) as client:
        yield client


@pytest.fixture(scope="module")
def off():
    with TestClient(create_app(Settings(control=False))) as client:
        yield client


@pytest.mark.parametrize(("method", "path"), CONTROL_CALLS)
def test_the_token_guards_every_control_call(guarded, method, path):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "t0k"}):
        answer = guarded.request(method, path, headers=headers)
        assert answer.status_code == 401, (method, path, headers)
        assert answer.json()["error"] == "unauthorized"
    allowed = guarded.request(method, path, headers={"Authorization": "Bearer t0k"})
    assert allowed.status_code != 401


@pytest.mark.parametrize(("method", "path"), CONTROL_CALLS)
def test_no_control_means_no_control_route(off, method, path):
    answer = off.request(method, path)
    assert answer.status_code == 404 and answer.json()["code"] == 1640401


def test_the_control_document_is_valid_and_lists_every_route(client):
    document = client.get("/__mock__/openapi.json").json()
    validate(document)
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    routes = {
        (method, route.path.replace(":int", ""))  # type: ignore[attr-defined]
        for route in control.control_routes()
        for method in route.methods - {"HEAD"}  # type: ignore[attr-defined]
    }
    assert documented == routes


def test_the_bk_sops_document_is_the_generated_one_on_every_request(client):
    first = client.get("/openapi.json")  # built at the first request
    assert first.status_code == 200
    assert first.json() == schemas.build_openapi()
    assert client.get("/openapi.json").content == first.content


def test_the_two_documents_do_not_mix(client):
    bk_sops = client.get("/openapi.json").json()
    mine = client.get("/__mock__/openapi.json").json()
    assert not any(path.startswith("/__mock__") for path in bk_sops["paths"])
    assert all(path.startswith("/__mock__/") for path in mine["paths"])
    assert bk_sops["info"]["title"] != mine["info"]["title"]
