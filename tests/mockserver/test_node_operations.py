"""operate_node and node_callback: every action's answer and the documented errors, in
bk-sops's order of checks."""

from __future__ import annotations

import pytest

from .api import FAMILIES, Api
from .taskflow import (
    LINEAR,
    NOT_EXIST,
    ONCE_FAILING,
    ONCE_FAILING_NODE,
    PAUSING,
    PAUSING_NODE,
    UNKNOWN_NODE,
    create,
    failure,
    idle,
    node_of,
    start,
    status,
)

SUBPROCESS = 36  # its second node is a subprocess (template 37)
SUBPROCESS_NODE = "51f79dbdc9b78512cb4c4d99e3ef917e"


def _ids(task: dict, biz: int = 2) -> dict:
    return {"bk_biz_id": biz, "task_id": task["task_id"]}


def _running_node(api, task) -> str:
    running = [k for k, c in status(api, task)["children"].items() if c["state"] == "RUNNING"]
    assert len(running) == 1
    return running[0]


@pytest.mark.parametrize("family", FAMILIES)
def test_retry_answers_success_without_data_on_every_family(client, family):
    api = Api(client, family)
    task = create(api, ONCE_FAILING)
    node = node_of(task["pipeline_tree"], ONCE_FAILING_NODE)
    start(api, task)
    idle(client)
    body = api.ok("operate_node", _ids(task), {"node_id": node, "action": "retry"})
    assert body["message"] == "success" and "data" not in body
    assert status(api, task)["children"][node]["state"] == "RUNNING"


def test_forced_fail_then_skip(api, client):
    task = create(api, LINEAR)
    start(api, task)
    node = _running_node(api, task)
    api.ok("operate_node", _ids(task), {"node_id": node, "action": "forced_fail"})
    failed = api.ok("get_task_node_detail", task["ids"], {"node_id": node})["data"]
    assert failed["state"] == "FAILED"
    assert failed["ex_data"] == "The node has been terminated by admin."
    api.ok("operate_node", _ids(task), {"node_id": node, "action": "skip"})
    idle(client)
    assert status(api, task)["state"] == "FINISHED"


def test_pause_and_resume_an_appointed_node(api, client):
    task = create(api, LINEAR)
    last = list(task["pipeline_tree"]["activities"])[-1]
    api.ok("operate_node", _ids(task), {"node_id": last, "action": "pause"})
    start(api, task)
    idle(client)
    paused = status(api, task)
    assert paused["state"] == "NODE_SUSPENDED"
    assert paused["children"][last]["state"] == "SUSPENDED"
    api.ok("operate_node", _ids(task), {"node_id": last, "action": "resume"})
    idle(client)
    assert status(api, task)["state"] == "FINISHED"


def test_pause_and_resume_a_subprocess(api, client):
    task = create(api, SUBPROCESS)
    node = node_of(task["pipeline_tree"], SUBPROCESS_NODE)
    start(api, task)
    for _ in range(100):
        if status(api, task)["children"].get(node, {}).get("state") == "RUNNING":
            break
        client.post("/__mock__/clock", json={"advance": 1})
    api.ok("operate_node", _ids(task), {"node_id": node, "action": "pause_subproc"})
    idle(client)
    assert status(api, task)["children"][node]["state"] == "SUSPENDED"
    api.ok("operate_node", _ids(task), {"node_id": node, "action": "resume_subproc"})
    idle(client)
    assert status(api, task)["state"] == "FINISHED"


SKIP = {"node_id": "x", "action": "skip"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "request body is not a valid json"),
        ({**SKIP, "data": []}, "data field is not a valid object"),
        ({**SKIP, "inputs": "a"}, "inputs field is not a valid object"),
    ],
    ids=["empty-body", "data-not-object", "inputs-not-object"],
)
def test_operate_node_refuses_bad_bodies_before_looking_the_task_up(api, body, message):
    ids = {"bk_biz_id": 2, "task_id": 999}
    assert failure(api.call("operate_node", ids, body), 3540000) == message


def test_operate_node_on_a_task_that_is_not_in_the_project(api):
    task = create(api, LINEAR)
    body = api.call("operate_node", _ids(task, 3), {"node_id": "x", "action": "skip"})
    assert failure(body, 3540400) == f"task[id={task['task_id']}] of project[id=2] does not exist"
    unknown = api.call("operate_node", {"bk_biz_id": 2, "task_id": 999}, {"node_id": "x"})
    assert failure(unknown, 3540400) == "task[id=999] of project[id=1] does not exist"


def test_an_unknown_node_or_action_is_3599999(api):
    task = create(api, LINEAR)
    body = api.call("operate_node", _ids(task), {"node_id": UNKNOWN_NODE, "action": "nope"})
    assert failure(body, 3599999) == (
        f"节点状态请求失败: 任务[ID: {task['task_id']}]中未找到节点[ID: {UNKNOWN_NODE}]. "
        "请重试. 如持续失败可联系管理员处理 | nodes_action"
    )
    node = next(iter(task["pipeline_tree"]["activities"]))
    body = api.call("operate_node", _ids(task), {"node_id": node, "action": "nope"})
    assert failure(body, 3599999) == "task command is invalid"


def test_engine_refusals_come_back_as_fail_with_the_engine_text(api, client):
    task = create(api, LINEAR)
    start(api, task)
    node = _running_node(api, task)
    retry = api.call("operate_node", _ids(task), {"node_id": node, "action": "retry"})
    message = failure(retry, 3599999)
    assert message.startswith("fail: Traceback (most recent call last):\n")
    assert message.endswith(f"{node} state is not FAILED, actual RUNNING")
    exg = api.call("operate_node", _ids(task), {"node_id": node, "action": "skip_exg"})
    assert failure(exg, 3599999).endswith("is not exclusive gateway, actual: ServiceActivity")
    api.ok("operate_task", task["ids"], {"action": "revoke"})
    revoked = api.call("operate_node", _ids(task), {"node_id": node, "action": "skip"})
    assert "state is: REVOKED" in failure(revoked, 3599999)


def test_skip_cpg_and_callback_without_a_state_fail_inside_nodes_action(api):
    task = create(api, PAUSING)
    node = node_of(task["pipeline_tree"], PAUSING_NODE)
    cpg = api.call("operate_node", _ids(task), {"node_id": node, "action": "skip_cpg"})
    assert failure(cpg, 3599999) == (
        f"节点操作失败: 节点[ID: {node}], 任务[ID: {task['task_id']}]操作失败: 'flow_ids', "
        "请重试. 如持续失败可联系管理员处理 | nodes_action"
    )
    callback = api.call("operate_node", _ids(task), {"node_id": node, "action": "callback"})
    assert "操作失败: State matching query does not exist., 请重试" in failure(callback, 3599999)


def test_operate_node_callback_takes_the_current_version(api, client):
    task = create(api, PAUSING)
    node = node_of(task["pipeline_tree"], PAUSING_NODE)
    start(api, task)
    idle(client)
    body = {"node_id": node, "action": "callback", "data": {"ok": True}}
    api.ok("operate_node", _ids(task), body)
    idle(client)
    assert status(api, task)["state"] == "FINISHED"


def _waiting(api, client):
    task = create(api, PAUSING)
    node = node_of(task["pipeline_tree"], PAUSING_NODE)
    start(api, task)
    idle(client)
    return task, node


def test_node_callback_without_a_version_calls_the_current_run(api, client):
    task, node = _waiting(api, client)
    api.ok("node_callback", task["ids"], {"node_id": node})
    idle(client)
    assert status(api, task)["children"][node]["state"] == "FINISHED"


def test_node_callback_with_a_stale_version_is_refused(api, client):
    task, node = _waiting(api, client)
    stale = "v" + "0" * 32
    body = api.call("node_callback", task["ids"], {"node_id": node, "version": stale})
    message = failure(body, 3599999)
    assert message.startswith("fail: ") and message.endswith(f"node version {stale} not exist")
    assert status(api, task)["children"][node]["state"] == "RUNNING"


def test_node_callback_on_a_node_that_does_not_wait(api, client):
    task, node = _waiting(api, client)
    api.ok("node_callback", task["ids"], {"node_id": node})
    idle(client)
    again = api.call("node_callback", task["ids"], {"node_id": node})
    assert failure(again, 3599999).startswith("fail: Traceback")


def test_node_callback_errors(api):
    task = create(api, PAUSING)
    node = node_of(task["pipeline_tree"], PAUSING_NODE)
    ids = task["ids"]
    assert failure(api.call("node_callback", ids), 3540000) == "invalid json format"
    missing = api.call("node_callback", {"task_id": 999, "bk_biz_id": 2}, {"node_id": node})
    assert failure(missing, 3540400) == (
        "[API] node_callback task[id=999] of project[project_id=1, biz_id2] does not exist"
    )
    unknown = api.call("node_callback", ids, {"node_id": UNKNOWN_NODE})
    assert failure(unknown, 3540000) == (
        f"task[{task['task_id']}] does not have node[{UNKNOWN_NODE}]"
    )
    not_object = api.call("node_callback", ids, {"node_id": node, "callback_data": [1]})
    assert failure(not_object, 3540000) == "callback_data must be an object"
    # Not reached yet and no version: bk-sops reads a state row that does not exist.
    unreached = api.call("node_callback", ids, {"node_id": node})
    assert failure(unreached, 3540400) == NOT_EXIST.format("State matching query does not exist.")
    assert "trace_id" not in unreached
