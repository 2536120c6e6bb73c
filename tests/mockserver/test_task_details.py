"""get_task_detail, get_task_node_detail and get_task_node_data: answers and errors."""

from __future__ import annotations

import pytest

from .taskflow import (
    LINEAR,
    NOT_EXIST,
    ONCE_FAILING,
    ONCE_FAILING_NODE,
    SINGLE,
    UNKNOWN_NODE,
    create,
    failure,
    idle,
    node_of,
    start,
    status,
)

DETAIL_KEYS = {
    "id", "project_id", "project_name", "name", "create_time", "creator", "create_method",
    "template_id", "start_time", "finish_time", "executor", "elapsed_time", "pipeline_tree",
    "task_url", "constants", "outputs", "ex_data",
}  # fmt: skip
HEALTH_NODE = "79cefff94322608855096f1719e3b0c6"  # template 31: its status_code feeds an output
SINGLE_NODE = "631b6576cc5dfbdcaa4f510ce88a7e67"
SUBPROCESS, SUBPROCESS_NODE = 36, "51f79dbdc9b78512cb4c4d99e3ef917e"


def _node_data(api, task, node, **params):
    ids = {"bk_biz_id": task["ids"]["bk_biz_id"], "task_id": task["task_id"]}
    return api.call("get_task_node_data", ids, {"node_id": node, **params})


def test_detail_of_a_task_not_started(api):
    task = create(api, LINEAR, name="尚未执行")
    data = api.ok("get_task_detail", task["ids"])["data"]
    assert set(data) == DETAIL_KEYS
    assert (data["id"], data["name"], data["template_id"]) == (task["task_id"], "尚未执行", LINEAR)
    assert (data["project_id"], data["project_name"]) == (1, "blueking")
    assert (data["start_time"], data["finish_time"], data["executor"]) == ("", "", "")
    assert (data["elapsed_time"], data["outputs"], data["ex_data"]) == (0, [], "")
    assert data["task_url"] == task["task_url"]
    assert data["pipeline_tree"] == task["pipeline_tree"]
    assert data["constants"] == task["pipeline_tree"]["constants"]


def test_detail_of_a_finished_task_lists_the_pipeline_outputs(api, client):
    task = create(api, LINEAR)
    start(api, task)
    idle(client)
    data = api.ok("get_task_detail", task["ids"])["data"]
    assert data["start_time"] and data["finish_time"] and data["executor"] == "admin"
    (output,) = data["outputs"]
    assert (output["key"], output["name"]) == ("${health_status}", "健康检查状态码")
    node = node_of(task["pipeline_tree"], HEALTH_NODE)
    rows = _node_data(api, task, node)["data"]["outputs"]
    # The node's status_code output feeds ${health_status}, so its row carries that name.
    assert {"key": "health_status", "value": output["value"], "preset": False} in rows


def test_detail_flags_and_errors(api):
    task = create(api, LINEAR)
    history = api.ok("get_task_detail", task["ids"], {"include_webhook_history": "true"})
    assert history["data"]["task_webhook_history"] == []
    bad = api.call("get_task_detail", task["ids"], {"include_edit_info": "maybe"})
    assert failure(bad, 3540000) == {"include_edit_info": ["Must be a valid boolean."]}
    missing = api.call("get_task_detail", {"task_id": task["task_id"], "bk_biz_id": 3})
    assert failure(missing, 3540400) == (
        f"[API] get_task_detail task[id={task['task_id']}] of project[project_id=2, biz_id3] "
        "does not exist"
    )


def test_node_detail_of_a_node_not_reached_shows_its_inputs_as_they_would_be(api):
    task = create(api, SINGLE, constants={"${content}": "echo hi"})
    node = node_of(task["pipeline_tree"], SINGLE_NODE)
    data = api.ok("get_task_node_detail", task["ids"], {"node_id": node})["data"]
    assert set(data) == {"name", "error_ignorable", "state", "inputs", "outputs", "ex_data"}
    assert (data["state"], data["outputs"], data["ex_data"]) == ("READY", [], "")
    assert data["name"] == task["pipeline_tree"]["activities"][node]["name"]
    assert data["inputs"]["content"] == "echo hi" and data["inputs"]["ip_list"] == "127.0.0.1"
    ids = task["ids"]
    api.ok("modify_constants_for_task", ids, {"constants": {"${content}": "echo bye"}})
    again = api.ok("get_task_node_detail", ids, {"node_id": node})["data"]
    assert again["inputs"]["content"] == "echo bye"


def test_node_detail_of_a_failed_node(api, client):
    task = create(api, ONCE_FAILING)
    node = node_of(task["pipeline_tree"], ONCE_FAILING_NODE)
    start(api, task)
    idle(client)
    shown = status(api, task)
    row = shown["children"][node]
    body = api.ok("get_task_node_detail", task["ids"], {"node_id": node})
    assert body["message"] == ""
    data = body["data"]
    for key in ("id", "state", "root_id:", "parent_id", "version", "loop", "retry", "skip"):
        assert data[key] == row[key]
    assert (data["start_time"], data["finish_time"]) == (row["start_time"], row["finish_time"])
    assert data["parent_id"] == shown["id"]
    assert (data["histories"], data["history_id"], data["auto_retry_info"]) == ([], -1, {})
    assert "Lost connection" in data["ex_data"]
    assert {"key": "_result", "value": False, "preset": False} in data["outputs"]
    named = api.ok(
        "get_task_node_detail",
        task["ids"],
        {"node_id": node, "component_code": "job_fast_execute_script"},
    )["data"]["outputs"]
    assert [row["key"] for row in named[:2]] == ["_result", "_loop"]
    assert named[0] == {"name": "执行结果", "key": "_result", "value": False, "preset": True}
    assert all(row["preset"] is False for row in named[2:])


def test_node_detail_outputs_are_named_in_the_callers_language(api, client):
    task = create(api, ONCE_FAILING)
    node = node_of(task["pipeline_tree"], ONCE_FAILING_NODE)
    start(api, task)
    idle(client)
    params = {"node_id": node, "component_code": "job_fast_execute_script"}
    english = api.ok("get_task_node_detail", task["ids"], params, headers={"Accept-Language": "en"})
    assert english["data"]["outputs"][1]["name"] == "Loop Times"


def test_nested_nodes_are_found_without_a_subprocess_stack(api, client):
    task = create(api, SUBPROCESS)
    sub = node_of(task["pipeline_tree"], SUBPROCESS_NODE)
    inner = next(iter(task["pipeline_tree"]["activities"][sub]["pipeline"]["activities"]))
    start(api, task)
    idle(client)
    data = api.ok("get_task_node_detail", task["ids"], {"node_id": inner})["data"]
    assert data["state"] == "FINISHED" and data["parent_id"] == sub


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({"subprocess_stack": "[oops"}, 3599999, "subprocess_stack is not a valid array json"),
        ({"component_code": "no_such_plugin"}, 3599999, "_format_outputs fail"),
        ({"loop": "first"}, 3540000, "loop must be a positive integer, got 'first'"),
        ({"loop": "0"}, 3540000, "loop must be a positive integer, got '0'"),
    ],
)
def test_node_detail_parameter_errors(api, client, params, code, message):
    task = create(api, ONCE_FAILING)
    node = node_of(task["pipeline_tree"], ONCE_FAILING_NODE)
    start(api, task)
    idle(client)
    body = api.call("get_task_node_detail", task["ids"], {"node_id": node, **params})
    assert failure(body, code) == message


def test_node_detail_of_unknown_nodes_and_tasks(api):
    task = create(api, LINEAR)
    unknown = api.call("get_task_node_detail", task["ids"], {"node_id": UNKNOWN_NODE})
    assert failure(unknown, 3540000) == (
        f"节点状态请求失败: 任务[ID: {task['task_id']}]中未找到节点[ID: {UNKNOWN_NODE}]. "
        "请重试. 如持续失败可联系管理员处理 | get_node_detail"
    )
    assert unknown["data"] == {}
    missing = api.call("get_task_node_detail", {"task_id": 999, "bk_biz_id": 2}, {"node_id": "x"})
    assert failure(missing, 3540400) == (
        "[API] get_task_node_detail task[id=999] of project[project_id=1, biz_id2] does not exist"
    )


def test_node_data_of_a_failed_node(api, client):
    task = create(api, ONCE_FAILING)
    node = node_of(task["pipeline_tree"], ONCE_FAILING_NODE)
    start(api, task)
    idle(client)
    body = _node_data(api, task, node, template_node_id=ONCE_FAILING_NODE)
    assert body["result"] is True and body["message"] == "" and body["code"] == 0
    data = body["data"]
    # template_node_id asks for earlier run times, which bk-sops never adds.
    assert set(data) == {"inputs", "outputs", "ex_data"}
    assert "Lost connection" in data["ex_data"]
    assert {"key": "ex_data", "value": data["ex_data"], "preset": False} in data["outputs"]
    detail = api.ok("get_task_node_detail", task["ids"], {"node_id": node})["data"]
    assert data["inputs"] == detail["inputs"]


def test_node_data_errors(api):
    task = create(api, LINEAR)
    unknown = _node_data(api, task, UNKNOWN_NODE)
    assert failure(unknown, 3599999).endswith("| get_node_data")
    assert unknown["data"] == {} and unknown["trace_id"]
    stack = _node_data(api, task, UNKNOWN_NODE, subprocess_stack="{")
    assert failure(stack, 3540000) == "subprocess_stack is not a valid array json"
    missing = api.call("get_task_node_data", {"bk_biz_id": 2, "task_id": 999}, {"node_id": "x"})
    assert failure(missing, 3540400) == NOT_EXIST.format(
        "TaskFlowInstance matching query does not exist."
    )
    assert "trace_id" not in missing
