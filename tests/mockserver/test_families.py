"""Every operation answers on every URL family, with response validation on."""

from __future__ import annotations

import pytest

from mockserver.settings import Settings

from .api import FAMILIES, Api


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # About the URL families, not the queued start (test_start_queue.py): starts run at once.
    return settings.with_(start_delay=(0.0, 0.0))


BIZ = 2
TEMPLATE = 30


@pytest.mark.parametrize("family", FAMILIES)
def test_the_seven_operations_on_a_family(client, family):
    api = Api(client, family)
    listed = api.ok("get_template_list", {"bk_biz_id": BIZ})["data"]
    assert TEMPLATE in {item["id"] for item in listed}
    info = api.ok("get_template_info", {"template_id": TEMPLATE, "bk_biz_id": BIZ})["data"]
    assert info["id"] == TEMPLATE and "pipeline_tree" in info
    created = api.ok(
        "create_task", {"template_id": TEMPLATE, "bk_biz_id": BIZ}, {"name": f"via {family}"}
    )["data"]
    task = {"task_id": created["task_id"], "bk_biz_id": BIZ}
    before = api.ok("get_task_status", task)
    assert before["data"]["state"] == "CREATED" and before["message"] == ""
    started = api.ok("start_task", task)
    assert started["task_url"] == started["data"]["task_url"] == created["task_url"]
    assert api.ok("get_task_status", task)["data"]["state"] == "RUNNING"
    paused = api.ok("operate_task", task, {"action": "pause"})
    assert paused["message"] == "success" and "data" not in paused
    assert api.ok("get_task_status", task)["data"]["state"] == "SUSPENDED"
    api.ok("operate_task", task, {"action": "resume"})
    if family == "gateway":  # not one of the gateway's resources (api-resources.yml)
        return
    counted = api.ok("query_task_count", {"bk_biz_id": BIZ}, {"group_by": "status"})["data"]
    assert counted["total"] >= 1
    assert [g["code"] for g in counted["groups"]] == ["CREATED", "EXECUTING", "FINISHED"]


def test_families_share_one_state(client):
    backend, esb = Api(client, "backend"), Api(client, "esb")
    created = backend.ok("create_task", {"template_id": TEMPLATE, "bk_biz_id": BIZ}, {"name": "x"})
    task = {"task_id": created["data"]["task_id"], "bk_biz_id": BIZ}
    esb.ok("start_task", task)
    assert backend.ok("get_task_status", task)["data"]["state"] == "RUNNING"


def test_path_ids_win_over_body_ids(client):
    api = Api(client, "backend")
    body = {"name": "x", "bk_biz_id": 999, "template_id": 999}
    created = api.ok("create_task", {"template_id": TEMPLATE, "bk_biz_id": BIZ}, body)
    assert created["data"]["task_id"] >= 1


def test_trace_id_comes_from_traceparent(api):
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    answer = api.raw("get_template_list", {"bk_biz_id": BIZ}, headers={"traceparent": parent})
    assert answer.headers["Sops-Trace-Id"] == parent
    assert answer.json()["trace_id"] == parent


def test_group_names_follow_accept_language(api):
    zh = api.ok("query_task_count", {"bk_biz_id": BIZ}, {"group_by": "status"})["data"]
    en = api.ok(
        "query_task_count",
        {"bk_biz_id": BIZ},
        {"group_by": "status"},
        headers={"Accept-Language": "en"},
    )["data"]
    assert [g["name"] for g in zh["groups"]] == ["未执行", "执行中", "已完成"]
    assert [g["name"] for g in en["groups"]] == ["Ready", "Executing", "Finished"]
