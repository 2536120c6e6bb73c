"""The pytest plugin: the `sops_mock` fixture drives the official client through a task's life."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from typing import Any

import pytest
from bkapi_component.open.client import Client

from mockserver.running import ControlCallError, RunningMock

BIZ = 2
LINEAR = 31
FETCH = "b4622bc66d53e664e4e764359b19639b"  # LINEAR's second node (job_fast_execute_script)
SECRET = "PluginSecret0123"


def official(base_url: str) -> Any:
    client = Client(endpoint=base_url, bk_api_ver="v2")
    client.update_bkapi_authorization(
        bk_app_code="plugin-test", bk_app_secret=SECRET, bk_username="admin"
    )
    return client.sops


def test_the_plugin_is_registered_through_pytest11(request):
    found = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert found.get("sops_mock") == "mockserver.pytest_plugin"
    assert request.config.pluginmanager.hasplugin("sops_mock")


def test_the_official_client_runs_a_whole_lifecycle(sops_mock):
    sops = official(sops_mock.base_url)
    assert LINEAR in {t["id"] for t in sops.get_template_list({"bk_biz_id": BIZ})["data"]}
    created = sops.create_task({"bk_biz_id": BIZ, "template_id": LINEAR, "name": "plugin"})
    task = {"bk_biz_id": BIZ, "task_id": created["data"]["task_id"]}
    nodes = {
        a["template_node_id"]: nid
        for nid, a in created["data"]["pipeline_tree"]["activities"].items()
    }
    sops_mock.set_task_node_scenario(task["task_id"], nodes[FETCH], {"duration": 300})
    assert sops.get_task_status(task)["data"]["state"] == "CREATED"
    assert sops.start_task(task)["result"] is True
    sops_mock.advance(200)
    running = sops.get_task_status(task)["data"]
    assert running["state"] == "RUNNING"
    assert running["children"][nodes[FETCH]]["state"] == "RUNNING"
    assert sops.operate_task({**task, "action": "pause"})["result"] is True
    sops_mock.advance(200)
    assert sops.get_task_status(task)["data"]["state"] == "SUSPENDED"
    assert sops.operate_task({**task, "action": "resume"})["result"] is True
    assert sops_mock.run_until_idle()["idle"] is True
    sops_mock.advance(10)  # past bk-sops's 10 s cache of the SUSPENDED answer read above
    assert sops.get_task_status(task)["data"]["state"] == "FINISHED"
    counted = sops.query_task_count({"bk_biz_id": BIZ, "group_by": "status"})
    assert counted["data"]["total"] == 1
    ops = [e["operation"] for e in sops_mock.journal(task_id=task["task_id"])]
    assert ops[:2] == ["create_task", "get_task_status"] and ops.count("operate_task") == 2
    assert sops_mock.journal_count(operation="get_task_status") == 4
    assert {e["family"] for e in sops_mock.journal()} == {"esb"}
    assert SECRET not in json.dumps(sops_mock.journal())


def test_each_test_starts_from_a_reset_mock(sops_mock):
    assert sops_mock.journal() == []
    assert sops_mock.faults() == []
    assert sops_mock.clock()["now"] == "2026-01-05T10:00:00+08:00"
    sops = official(sops_mock.base_url)
    counted = sops.query_task_count({"bk_biz_id": BIZ, "group_by": "status"})
    assert counted["data"]["total"] == 0


def test_faults_reach_the_official_client(sops_mock):
    rule = sops_mock.add_fault(
        operations=["create_task"], times=1, fault={"kind": "app_error", "message": "busy"}
    )
    assert rule["id"] == "rule-1"
    sops = official(sops_mock.base_url)
    params = {"bk_biz_id": BIZ, "template_id": LINEAR, "name": "retry me"}
    first = sops.create_task(params)
    assert (first["result"], first["message"]) == (False, "busy")
    assert sops.create_task(params)["result"] is True
    assert [e["fault"] for e in sops_mock.journal(operation="create_task")] == ["app_error", None]
    sops_mock.clear_faults()
    assert sops_mock.faults() == []


def test_book_scenarios_through_the_handle(sops_mock):
    changed = sops_mock.set_component_scenario("bk_display", {"outcome": "fail", "ex_data": "x"})
    assert changed["source"] == "book"
    sops = official(sops_mock.base_url)
    created = sops.create_task({"bk_biz_id": BIZ, "template_id": LINEAR, "name": "fails"})
    task = {"bk_biz_id": BIZ, "task_id": created["data"]["task_id"]}
    sops.start_task(task)
    sops_mock.run_until_idle()
    assert sops.get_task_status(task)["data"]["state"] == "FAILED"
    assert sops_mock.scenarios()["changes"][0]["code"] == "bk_display"
    restored = sops_mock.set_component_scenario("bk_display", None)
    assert restored["source"] == "generic_default"
    node = sops_mock.set_template_node_scenario(LINEAR, FETCH, {"duration": 1})
    assert node["source"] == "template_node"


@pytest.mark.sops_mock(seed=5, control_token="plugin-token")
def test_a_marker_gives_a_server_of_its_own(sops_mock, sops_mock_session):
    assert sops_mock.base_url != sops_mock_session.base_url
    assert sops_mock.health()["seed"] == 5
    assert sops_mock_session.health()["seed"] == 0


def test_the_handle_works_without_pytest_and_reports_refusals():
    with RunningMock(seed=3) as mock:
        snapshot = mock.state()
        assert snapshot["seed"] == 3
        with pytest.raises(ControlCallError) as caught:
            mock.set_component_scenario("bk_display", {"outcome": "explode"})
        assert (caught.value.status, caught.value.error) == (400, "invalid_scenario")
        assert mock.restore(snapshot)["status"] == "restored"
        mock.clear_journal()
        assert mock.journal_count() == 0
    assert mock.base_url.startswith("http://127.0.0.1:")
