"""get_task_node_log and get_node_job_executed_log over HTTP: bk-sops's DRF log views answer
without trace_id, and their successes without code."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings
from simulator.nodelog import job_hosts, job_log

from .api import FAMILIES, Api
from .taskflow import (
    BIZ,
    LINEAR,
    ONCE_FAILING,
    ONCE_FAILING_NODE,
    OTHER_BIZ,
    SINGLE,
    UNKNOWN_NODE,
    create,
    failure,
    idle,
    node_of,
    start,
)

OFF_GATEWAY = ("backend", "esb", "esb-nov2")
LINE = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]\[(INFO|ERROR)\] ")
NOTIFY_NODE = "2a9c808f7619882d6c5b17f5dbf6913b"  # template 31's bk_notify, its first node
SINGLE_NODE = "631b6576cc5dfbdcaa4f510ce88a7e67"  # template 30's job_fast_execute_script


def _retried(api, client) -> tuple[dict, str]:
    """A task whose export node failed once and then succeeded on retry."""
    task = create(api, ONCE_FAILING)
    start(api, task)
    idle(client)
    node = node_of(task["pipeline_tree"], ONCE_FAILING_NODE)
    api.ok("operate_node", task["ids"], {"node_id": node, "action": "retry"})
    idle(client)
    return task, node


def _log(api, task, **params) -> dict:
    body: dict = api.call("get_task_node_log", task["ids"], params)
    assert body["result"] is True, body
    return body


@pytest.mark.parametrize("family", FAMILIES)
def test_node_log_of_each_run(client, family):
    api = Api(client, family)
    task, node = _retried(api, client)
    latest = _log(api, task, node_id=node)
    assert set(latest) == {"result", "message", "data", "page"}
    assert (latest["message"], latest["page"]) == ("success", {})
    lines = latest["data"].split("\n")
    assert all(LINE.match(line) for line in lines)
    assert lines[-1].endswith("job_fast_execute_script finished")
    detail = api.ok("get_task_node_detail", task["ids"], {"node_id": node})["data"]
    assert _log(api, task, node_id=node, version=detail["version"]) == latest
    failed_run = detail["histories"][0]["version"]
    earlier = _log(api, task, node_id=node, version=failed_run)["data"]
    assert "][ERROR] job_fast_execute_script failed: " in earlier
    assert earlier != latest["data"]
    assert _log(api, task, node_id=node, version="0" * 32)["data"] == ""


def test_node_log_times_are_the_runs_and_the_text_repeats(api, client):
    task, node = _retried(api, client)
    detail = api.ok("get_task_node_detail", task["ids"], {"node_id": node})["data"]
    text = _log(api, task, node_id=node)["data"]
    start_time = detail["start_time"][:19]  # "%Y-%m-%d %H:%M:%S" in the server's zone
    assert text.startswith(f"[{start_time},")
    assert f"[{detail['finish_time'][:19]}," in text.split("\n")[-1]
    # another app with the same seed and the same calls logs the same bytes
    with TestClient(create_app(Settings(clock="virtual", validate_responses=True, seed=7))) as c:
        other = Api(c)
        again, again_node = _retried(other, c)
        assert again_node == node
        assert _log(other, again, node_id=node)["data"] == text


def test_a_node_not_reached_and_a_gateway_log_nothing(api):
    task = create(api, LINEAR)
    node = node_of(task["pipeline_tree"], NOTIFY_NODE)
    assert _log(api, task, node_id=node)["data"] == ""
    start_event = task["pipeline_tree"]["start_event"]["id"]
    assert _log(api, task, node_id=start_event)["data"] == ""


@pytest.mark.parametrize("op", ["get_task_node_log", "get_node_job_executed_log"])
def test_log_view_errors_carry_no_trace_id(api, op):
    task = create(api, SINGLE)
    project, other = "project[project_id=1, biz_id=2]", "project[project_id=2, biz_id=3]"
    cases = [
        ({"task_id": 999, "bk_biz_id": BIZ}, {"node_id": "x"}, 3540400,
         f"[API] {op} task[id=999] of {project} does not exist"),
        ({**task["ids"], "bk_biz_id": OTHER_BIZ}, {"node_id": "x"}, 3540400,
         f"[API] {op} task[id={task['task_id']}] of {other} does not exist"),
        (task["ids"], {}, 3540000, f"[API] {op} node_id is required"),
        (task["ids"], {"node_id": ""}, 3540000, f"[API] {op} node_id is required"),
        (task["ids"], {"node_id": UNKNOWN_NODE}, 3540400,
         f"[API] {op} task[id={task['task_id']}] does not have node[{UNKNOWN_NODE}]"),
    ]  # fmt: skip
    for ids, params, code, message in cases:
        body = api.call(op, ids, params)
        assert failure(body, code) == message
        assert set(body) == {"result", "message", "code"}


# get_node_job_executed_log ---------------------------------------------------------------------
@pytest.mark.parametrize("family", OFF_GATEWAY)
def test_job_log_of_a_job_node(client, family):
    api = Api(client, family)
    task = create(api, SINGLE)
    start(api, task)
    idle(client)
    node = node_of(task["pipeline_tree"], SINGLE_NODE)
    data = api.ok("get_task_node_detail", task["ids"], {"node_id": node})["data"]
    job = next(o["value"] for o in data["outputs"] if o["key"] == "job_inst_id")
    hosts = job_hosts(job)
    body = api.call("get_node_job_executed_log", task["ids"], {"node_id": node})
    assert body == {"result": True, "message": "success", "logs": job_log(job, hosts[0])}
    second = api.call(
        "get_node_job_executed_log", task["ids"], {"node_id": node, "target_ip": hosts[1]}
    )
    assert second["logs"] == job_log(job, hosts[1]) != body["logs"]
    stranger = api.call(
        "get_node_job_executed_log", task["ids"], {"node_id": node, "target_ip": "192.0.2.1"}
    )
    assert stranger == {
        "result": False,
        "message": f"执行历史请求失败: IP:[192.0.2.1], 不属于IP列表: [{','.join(hosts)}]"
        " | get_job_instance_log",
        "logs": "",
    }


def test_job_log_of_a_node_that_ran_no_job(api, client):
    task = create(api, LINEAR)
    start(api, task)
    idle(client)
    node = node_of(task["pipeline_tree"], NOTIFY_NODE)
    body = api.call("get_node_job_executed_log", task["ids"], {"node_id": node})
    assert body["result"] is False and body["logs"] == "" and "code" not in body
    assert body["message"].startswith(
        "调用作业平台(JOB)接口jobv3.get_job_instance_status返回失败, error=job instance [None]"
    )


def test_job_log_of_a_node_without_execution_data(api):
    task = create(api, SINGLE)
    node = node_of(task["pipeline_tree"], SINGLE_NODE)
    body = api.call("get_node_job_executed_log", task["ids"], {"node_id": node})
    assert failure(body, 3540400) == (
        f"[API] get_node_job_executed_log execution data not found for node_id: {node}"
    )
    assert "trace_id" not in body
