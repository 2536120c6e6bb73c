"""bk-sops's answer caches (issue 15 item 2), timed on the virtual clock, over every family.

From gcloud/apigw/views/: get_task_status 10 s (not a failure, not CREATED), get_tasks_status
10 s, get_task_detail 60 s (errors included), get_user_project_detail 60 s; keyed on the
path, the user and the parameters.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

from .api import FAMILIES, Api
from .taskflow import BIZ, PAUSING, create, start, status


@pytest.fixture
def settings() -> Settings:
    # Caches on (the default); starts at once: about caches, not the queued start.
    return Settings(clock="virtual", validate_responses=True, seed=7, start_delay=(0.0, 0.0))


def as_user(client: TestClient, user: str, family: str = "backend") -> Api:
    creds = {"bk_app_code": "sops-test", "bk_username": user}
    return Api(client, family, {"X-Bkapi-Authorization": json.dumps(creds)})


def running(api: Api) -> dict[str, Any]:
    task = create(api, PAUSING)  # its pause node waits for a callback: RUNNING until revoked
    start(api, task)
    return task


def revoke(api: Api, task: dict[str, Any]) -> None:
    api.ok("operate_task", task["ids"], {"action": "revoke"})


@pytest.mark.parametrize("family", FAMILIES)
def test_a_status_read_within_10_s_of_the_last_is_stale(client, advance, family):
    api = as_user(client, "admin", family)
    task = running(api)
    assert status(api, task)["state"] == "RUNNING"
    revoke(api, task)
    advance(9.999)
    assert status(api, task)["state"] == "RUNNING"
    advance(0.001)  # TTLCache: an entry is gone once its ttl has run out
    assert status(api, task)["state"] == "REVOKED"


def test_a_read_on_one_family_fills_the_cache_for_the_others(client):
    backend = as_user(client, "admin", "backend")
    task = running(backend)
    status(backend, task)
    revoke(backend, task)
    for family in FAMILIES:
        assert status(as_user(client, "admin", family), task)["state"] == "RUNNING"


def test_a_created_task_is_never_kept(client):
    api = as_user(client, "admin")
    task = create(api, PAUSING)
    assert status(api, task)["state"] == "CREATED"
    start(api, task)
    assert status(api, task)["state"] == "RUNNING"


def test_a_failed_status_read_is_never_kept(client):
    api = as_user(client, "admin")
    first = create(api, PAUSING)
    after = {"task_id": first["task_id"] + 1, "bk_biz_id": BIZ}
    assert api.call("get_task_status", after)["result"] is False
    made = create(api, PAUSING)
    assert made["task_id"] == after["task_id"]
    assert status(api, made)["state"] == "CREATED"


def test_status_reads_are_kept_per_parameters_and_per_user(client):
    admin = as_user(client, "admin")
    task = running(admin)
    status(admin, task)
    revoke(admin, task)
    assert status(admin, task)["state"] == "RUNNING"
    assert status(admin, task, with_ex_data="true")["state"] == "REVOKED"
    assert status(as_user(client, "lina"), task)["state"] == "REVOKED"


def test_a_hit_carries_this_requests_trace_id(client):
    api = as_user(client, "admin")
    task = running(api)
    one = api.ok("get_task_status", task["ids"], headers={"traceparent": "t-one"})
    two = api.ok("get_task_status", task["ids"], headers={"traceparent": "t-two"})
    assert (one["trace_id"], two["trace_id"]) == ("t-one", "t-two")
    assert {**one, "trace_id": None} == {**two, "trace_id": None}


@pytest.mark.parametrize("family", FAMILIES)
def test_tasks_status_is_kept_10_s_even_while_created(client, advance, family):
    api = as_user(client, "admin", family)
    task = create(api, PAUSING)
    ids, params = {"bk_biz_id": BIZ}, {"task_id_list": [task["task_id"]]}

    def state() -> str:
        found: str = api.ok("get_tasks_status", ids, params)["data"][0]["status"]["state"]
        return found

    assert state() == "CREATED"
    start(api, task)
    advance(9)
    assert state() == "CREATED"
    advance(1)
    assert state() == "RUNNING"


@pytest.mark.parametrize("family", FAMILIES)
def test_task_detail_keeps_even_its_error_60_s(client, advance, family):
    api = as_user(client, "admin", family)
    first = create(api, PAUSING)
    after = {"task_id": first["task_id"] + 1, "bk_biz_id": BIZ}
    assert api.call("get_task_detail", after)["code"] == 3540400
    create(api, PAUSING)  # now that id exists
    advance(59)
    assert api.call("get_task_detail", after)["code"] == 3540400
    advance(1)
    assert api.ok("get_task_detail", after)["data"]["id"] == after["task_id"]


def test_project_detail_is_kept_per_user(client):
    ids = {"bk_biz_id": BIZ}
    admin = as_user(client, "admin").ok("get_user_project_detail", ids)["data"]
    lina = as_user(client, "lina").ok("get_user_project_detail", ids)["data"]
    assert admin["auth_actions"] != lina["auth_actions"] == ["project_view"]
    entries = client.get("/__mock__/caches").json()["entries"]
    assert entries["get_user_project_detail"] == 2


def test_caches_off_in_settings_means_fresh_reads():
    with TestClient(
        create_app(Settings(validate_responses=True, caches=False, start_delay=(0.0, 0.0)))
    ) as client:
        api = as_user(client, "admin")
        task = running(api)
        status(api, task)
        revoke(api, task)
        assert status(api, task)["state"] == "REVOKED"
        assert client.get("/__mock__/caches").json()["enabled"] is False


def test_the_control_api_switches_the_caches_and_empties_them(client):
    api = as_user(client, "admin")
    task = running(api)
    status(api, task)
    view = client.get("/__mock__/caches").json()
    assert view["enabled"] is True and view["entries"]["get_task_status"] == 1
    assert view["ttl"] == {
        "get_task_status": 10.0,
        "get_tasks_status": 10.0,
        "get_task_detail": 60.0,
        "get_user_project_detail": 60.0,
    }
    off = client.put("/__mock__/caches", json={"enabled": False}).json()
    assert off["enabled"] is False and off["entries"]["get_task_status"] == 0
    revoke(api, task)
    assert status(api, task)["state"] == "REVOKED"
    assert client.put("/__mock__/caches", json={"enabled": True}).json()["enabled"] is True
    status(api, task)
    assert client.delete("/__mock__/caches").json()["entries"]["get_task_status"] == 0


def test_a_reset_empties_the_caches_and_keeps_the_switch(client):
    client.put("/__mock__/caches", json={"enabled": False})
    assert client.post("/__mock__/reset", json={}).status_code == 200
    assert client.get("/__mock__/caches").json()["enabled"] is False


@pytest.mark.parametrize(
    "body", [b"", b"[]", b'{"enabled": 1}', b'{"enabled": true, "x": 1}', b"{not json"]
)
def test_a_bad_switch_is_refused_and_changes_nothing(client, body):
    answer = client.put(
        "/__mock__/caches", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"] in ("invalid_caches", "invalid_json")
    assert client.get("/__mock__/caches").json()["enabled"] is True


def test_the_dashboard_reads_fresh(client):
    api = as_user(client, "admin")
    task = running(api)
    status(api, task)
    revoke(api, task)
    dashboard = {"bk_app_code": "sops-mock-dashboard", "bk_username": "admin"}
    board = Api(client, "backend", {"X-Bkapi-Authorization": json.dumps(dashboard)})
    assert status(board, task)["state"] == "REVOKED"
    assert status(api, task)["state"] == "RUNNING"
