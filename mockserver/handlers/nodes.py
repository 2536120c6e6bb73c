"""operate_node and node_callback: node actions on a running task, checked in bk-sops's order."""

from __future__ import annotations

from typing import Any

from mockserver.call import Call
from mockserver.errors import (
    CONTENT_NOT_EXIST,
    REQUEST_PARAM_INVALID,
    UNKNOWN_ERROR,
    ApiError,
    does_not_exist,
)
from mockserver.handlers.registry import operation_handler
from mockserver.state import MockState
from simulator import TaskInfo

from .taskref import knows_node, node_missing_text, project_task, view_missing

# bk-sops NodeCommandDispatcher.NODE_COMMANDS
NODE_ACTIONS = frozenset(
    {"retry", "skip", "callback", "skip_exg", "skip_cpg", "pause", "resume"}
    | {"pause_subproc", "resume_subproc", "forced_fail", "retry_subprocess"}
)


def _success(call: Call) -> dict[str, Any]:
    return {"result": True, "message": "success", "code": 0, "trace_id": call.trace_id}


def _object_field(call: Call, name: str) -> dict[str, Any]:
    value = call.params.get(name, {})
    if not isinstance(value, dict):
        raise ApiError(REQUEST_PARAM_INVALID, f"{name} field is not a valid object")
    return value


@operation_handler
def operate_node(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "request body is not a valid json")
    data = _object_field(call, "data")
    inputs = _object_field(call, "inputs")
    task = _task(call, mock)
    node_id, action = call.params.get("node_id"), call.params.get("action")
    # The view turns every failed result into 3599999, even the dispatcher's own 3540000 and
    # 3545000 answers (unknown node, unknown command).
    if not knows_node(mock, task, node_id):
        raise ApiError(UNKNOWN_ERROR, node_missing_text(task.id, node_id, "nodes_action"))
    if isinstance(action, dict | list):
        # bk-sops's dispatcher would fail hashing an object or array (a 500 there); a client
        # gets the invalid-params answer instead. Other non-strings are unknown commands.
        raise ApiError(REQUEST_PARAM_INVALID, "action must be a string")
    if action not in NODE_ACTIONS:
        raise ApiError(UNKNOWN_ERROR, "task command is invalid")
    assert isinstance(node_id, str) and isinstance(action, str)
    if action == "skip_cpg":
        # The view never passes flow_ids, so bk-sops's dispatcher fails on the missing key.
        raise _action_failed(task, node_id, "'flow_ids'")
    if action == "callback" and mock.engine.node_detail(task.id, node_id).state is None:
        # operate_node passes no version, so bk-sops reads the node's state row first.
        raise _action_failed(task, node_id, "State matching query does not exist.")
    flow_id = call.params.get("flow_id", "")
    mock.engine.operate_node(
        task.id,
        node_id,
        action,
        inputs=inputs or None,
        data=data,
        flow_id=flow_id if isinstance(flow_id, str) else str(flow_id),
        operator=call.identity.username,
    )
    mock.engine.record_operation(task.id, call.identity.username, action, node_id)
    return _success(call)


def _action_failed(task: TaskInfo, node_id: str, error: str) -> ApiError:
    """An exception inside bk-sops's nodes_action, reported with its (untranslated) text."""
    return ApiError(
        UNKNOWN_ERROR,
        f"节点操作失败: 节点[ID: {node_id}], 任务[ID: {task.id}]操作失败: {error}, 请重试. "
        "如持续失败可联系管理员处理 | nodes_action",
    )


def _task(call: Call, mock: MockState) -> TaskInfo:
    task = project_task(call, mock)
    if task is None:
        project = call.require_project()
        raise ApiError(
            CONTENT_NOT_EXIST,
            f"task[id={call.ids['task_id']}] of project[id={project.project_id}] does not exist",
        )
    return task


@operation_handler
def node_callback(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "invalid json format")
    task = project_task(call, mock)
    if task is None:
        raise view_missing(call, "node_callback")
    node_id = call.params.get("node_id")
    if not knows_node(mock, task, node_id):
        raise ApiError(REQUEST_PARAM_INVALID, f"task[{task.id}] does not have node[{node_id}]")
    assert isinstance(node_id, str)
    data = call.params.get("callback_data")
    if data is not None and not isinstance(data, dict):
        # bamboo stores any JSON here; the mock's nodes merge it into their outputs.
        raise ApiError(REQUEST_PARAM_INVALID, "callback_data must be an object")
    version = call.params.get("version")
    if not version and mock.engine.node_detail(task.id, node_id).state is None:
        # Without a version bk-sops reads the node's state row, which a node not reached yet
        # lacks; the ObjectDoesNotExist reaches its middleware.
        raise does_not_exist("State matching query does not exist.")
    mock.engine.node_callback(task.id, node_id, data or {}, str(version) if version else None)
    return _success(call)
