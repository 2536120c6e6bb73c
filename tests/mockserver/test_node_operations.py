"""operate_node and node_callback: every action's answer and the documented errors, in
bk-sops's order of checks."""

from __future__ import annotations

import pytest

from mockserver.settings import Settings

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


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # About node operations, not the queued start (test_start_queue.py): starts run at once.
    return settings.with_(start_delay=(0.0, 0.0))


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
    start(api, task)
    api.ok("operate_node", _ids(task), {"node_id": last, "action": "pause"})
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


def test_node_callback_with_an_unknown_version_fails_at_the_schedule_lookup(api, client):
    task, node = _waiting(api, client)
    unknown = "v" + "0" * 32
    body = api.call("node_callback", task["ids"], {"node_id": node, "version": unknown})
    assert failure(body, 3599999).splitlines()[-1] == (
        "pipeline.eri.models.Schedule.DoesNotExist: Schedule matching query does not exist."
    )
    assert status(api, task)["children"][node]["state"] == "RUNNING"


def test_node_callback_with_an_earlier_version_is_refused(api, client):
    task, node = _waiting(api, client)
    first = status(api, task)["children"][node]["version"]
    api.ok("operate_node", _ids(task), {"node_id": node, "action": "forced_fail"})
    api.ok("operate_node", _ids(task), {"node_id": node, "action": "retry"})
    assert status(api, task)["children"][node]["state"] == "RUNNING"
    body = api.call("node_callback", task["ids"], {"node_id": node, "version": first})
    assert failure(body, 3599999).splitlines()[-1] == (
        f"bamboo_engine.exceptions.InvalidOperationError: node version {first} not exist"
    )
    api.ok("node_callback", task["ids"], {"node_id": node})
    assert status(api, task)["children"][node]["state"] == "FINISHED"


def test_node_callback_on_a_failed_timed_run_is_accepted_then_expired(api, client):
    task, node = _failed(api, client)
    before = status(api, task)
    api.ok("node_callback", task["ids"], {"node_id": node, "callback_data": {"late": 1}})
    assert status(api, task) == before
    again = api.call("node_callback", task["ids"], {"node_id": node})
    assert failure(again, 3599999).splitlines()[-1] == (
        "bamboo_engine.exceptions.InvalidOperationError: schedule is already expired"
    )


def _failed(api, client):
    task = create(api, ONCE_FAILING)
    node = node_of(task["pipeline_tree"], ONCE_FAILING_NODE)
    start(api, task)
    idle(client)
    assert status(api, task)["children"][node]["state"] == "FAILED"
    return task, node


NO_NODE = "pipeline.eri.models.Node.DoesNotExist: Node matching query does not exist."
NO_STATE = "pipeline.eri.models.State.DoesNotExist: State matching query does not exist."
# (action, extra body, the last line of bk-sops's "fail: " traceback) before the task starts:
# bk-sops's dispatcher or bamboo-engine look a runtime record up first, and there is none yet.
BEFORE_START = [
    ("retry", {}, "bamboo_engine.exceptions.NotFoundError"),
    ("retry", {"inputs": {"x": 1}}, "bamboo_engine.exceptions.NotFoundError"),
    ("skip", {}, NO_NODE),
    ("skip_exg", {"flow_id": "f"}, NO_NODE),
    ("pause", {}, NO_NODE),
    ("resume", {}, NO_NODE),
    ("forced_fail", {}, NO_NODE),
    ("retry_subprocess", {}, NO_NODE),
    ("pause_subproc", {}, "bamboo_engine.exceptions.NotFoundError: node({node}) does not exist"),
    ("resume_subproc", {}, NO_STATE),
]  # fmt: skip


@pytest.mark.parametrize(("action", "extra", "last_line"), BEFORE_START)
def test_node_actions_before_the_start_fail_as_the_engine_fails_them(
    api, client, action, extra, last_line
):
    task = create(api, LINEAR)
    node = next(iter(task["pipeline_tree"]["activities"]))
    before = status(api, task)
    body = api.call("operate_node", _ids(task), {"node_id": node, "action": action, **extra})
    message = failure(body, 3599999)
    assert message.startswith("fail: Traceback (most recent call last):\n")
    assert message.splitlines()[-1] == last_line.format(node=node)
    assert status(api, task) == before
    start(api, task)
    idle(client)
    assert status(api, task)["state"] == "FINISHED"  # nothing was appointed or stored


def test_node_callback_before_the_start(api):
    task = create(api, PAUSING)
    node = node_of(task["pipeline_tree"], PAUSING_NODE)
    with_version = api.call("node_callback", task["ids"], {"node_id": node, "version": "v1"})
    assert failure(with_version, 3599999).splitlines()[-1] == (
        "bamboo_engine.exceptions.InvalidOperationError: "
        f"can not find sleep process with current node id: {node}"
    )
    without = api.call("node_callback", task["ids"], {"node_id": node})
    assert failure(without, 3540400) == (
        "数据不存在错误: 数据不存在错误, 错误内容 State matching query does not exist. "
        "| process_exception"
    )


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
