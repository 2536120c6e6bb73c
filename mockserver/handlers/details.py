"""get_task_detail, get_task_node_detail and get_task_node_data: a task's and a node's data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.call import Call
from mockserver.envelope import ok
from mockserver.errors import REQUEST_PARAM_INVALID, UNKNOWN_ERROR, ApiError, does_not_exist
from mockserver.handlers.registry import operation_handler
from mockserver.state import MockState
from mockserver.timefmt import render
from simulator import NodeDetail, NodeRun, TaskInfo
from simulator.taskdata import node_inputs, task_outputs

from .nodetable import outputs_table
from .taskref import (
    find_tree_node,
    knows_node,
    node_missing_text,
    project_task,
    subprocess_stack,
    view_missing,
)
from .tasks import task_url

DETAIL_FLAGS = ("include_edit_info", "include_webhook_history", "include_children_status")


@operation_handler
def get_task_detail(call: Call, mock: MockState) -> dict[str, Any]:
    flags = call.serializer_flags(DETAIL_FLAGS)
    task = project_task(call, mock)
    if task is None:
        raise view_missing(call, "get_task_detail")
    data = task_detail(call, mock, task)
    if flags["include_webhook_history"]:
        data["task_webhook_history"] = []  # webhook subscriptions (not callback_url): none
    return ok(data, call.trace_id)


def task_detail(call: Call, mock: MockState, task: TaskInfo) -> dict[str, Any]:
    """bk-sops's TaskFlowInstance.get_task_detail, times in the deployment's zone."""
    project = call.require_project()
    tz = call.default_tz
    tree = task.pipeline_tree
    constants = tree.get("constants", {})
    outputs = [
        {"key": key, "value": value, "name": constants.get(key, {}).get("name", "")}
        for key, value in task_outputs(mock.engine, task.id).items()
    ]
    return {
        "id": task.id,
        "project_id": project.project_id,
        "project_name": project.name,
        "name": task.name,
        "create_time": render(task.create_time, tz),
        "creator": task.creator,
        "create_method": task.create_method,
        "template_id": "" if task.template_source == "onetime" else task.template_id,
        "start_time": render(task.start_time, tz),
        "finish_time": render(task.finish_time, tz),
        "executor": task.executor,
        "elapsed_time": task.elapsed_time,
        "pipeline_tree": tree,
        "task_url": task_url(mock, project.project_id, task.id),
        "constants": constants,
        "outputs": outputs,
        "ex_data": "",
    }


def _status_time(moment: datetime | None, call: Call) -> str | None:
    return None if moment is None else render(moment, call.default_tz)


def _loop(call: Call) -> int | None:
    raw = call.params.get("loop")
    if raw is None:
        return None
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        # bk-sops calls int() on it (HTTP 500 for text) and finds no run for loop 0 (500 too).
        raise ApiError(REQUEST_PARAM_INVALID, f"loop must be a positive integer, got {raw!r}")
    return int(text)


def _runs(detail: NodeDetail, loop: int | None) -> tuple[NodeRun | None, list[NodeRun]]:
    """The run to show (None: the current one) and the earlier runs of its loop."""
    if loop is None or loop >= detail.loop:
        return None, [h for h in detail.histories if h.loop == detail.loop]
    runs = [h for h in detail.histories if h.loop == loop]
    if not runs:
        # bk-sops indexes an empty history list here and answers HTTP 500.
        raise ApiError(UNKNOWN_ERROR, f"node[{detail.id}] has no run in loop {loop}")
    return runs[-1], runs[:-1]


def _node_data(
    call: Call, mock: MockState, task: TaskInfo, detail: NodeDetail, shown: NodeRun | None
) -> dict[str, Any]:
    """inputs, outputs (a table) and ex_data of the run shown, as bk-sops's get_node_data."""
    if detail.state is None:
        inputs = node_inputs(mock.engine, task.id, detail.id)
        return {"inputs": inputs, "outputs": [], "ex_data": ""}
    raw_inputs, raw_outputs = (
        (detail.inputs, detail.outputs) if shown is None else (shown.inputs, shown.outputs)
    )
    if not raw_inputs and not raw_outputs:
        # No execution data yet (an event, a gateway, an appointed pause).
        return {"inputs": {}, "outputs": [], "ex_data": ""}
    table = outputs_table(call, mock, task, detail, dict(raw_outputs))
    return {"inputs": dict(raw_inputs), "outputs": table, "ex_data": raw_outputs.get("ex_data")}


def _history_row(detail: NodeDetail, number: int, run: NodeRun, call: Call) -> dict[str, Any]:
    elapsed = 0
    if run.start_time is not None:
        end = run.finish_time or run.start_time
        elapsed = round((end - run.start_time).total_seconds())
    return {
        "id": number,
        "node_id": detail.id,
        "loop": run.loop,
        "skip": run.skip,  # bamboo-engine's get_node_histories leaves the stored retry out
        "version": run.version,
        "inputs": dict(run.inputs),
        "outputs": dict(run.outputs),
        # bk-sops marks every history row FAILED, loop re-entries included.
        "ex_data": run.outputs.get("ex_data", ""),
        "state": "FAILED",
        "history_id": number,
        "children": {},
        "elapsed_time": elapsed,
        "start_time": _status_time(run.start_time, call),
        "finish_time": _status_time(run.finish_time, call),
    }


def _state_row(mock: MockState, task: TaskInfo, node_id: str) -> dict[str, Any] | None:
    tree = mock.engine.status_tree(task.id, tz=mock.tz, poll=False)
    pending = [tree]
    while pending:
        row = pending.pop()
        for child_id, child in row.get("children", {}).items():
            if child_id == node_id:
                found: dict[str, Any] = child
                return found
            pending.append(child)
    return None


@operation_handler
def get_task_node_detail(call: Call, mock: MockState) -> dict[str, Any]:
    task = project_task(call, mock)
    if task is None:
        raise view_missing(call, "get_task_node_detail")
    if subprocess_stack(call) is None:
        raise ApiError(UNKNOWN_ERROR, "subprocess_stack is not a valid array json")
    node_id = call.params.get("node_id")
    if not knows_node(mock, task, node_id):
        text = node_missing_text(task.id, node_id, "get_node_detail")
        raise ApiError(REQUEST_PARAM_INVALID, text, data={})
    assert isinstance(node_id, str)
    detail = mock.engine.node_detail(task.id, node_id)
    shown, earlier = _runs(detail, _loop(call))
    data = _node_data(call, mock, task, detail, shown)
    if detail.state is None:
        raw = find_tree_node(task.pipeline_tree, node_id) or {}
        found = {"name": raw.get("name", ""), "error_ignorable": bool(raw.get("error_ignorable"))}
        return ok({**found, "state": "READY", **data}, call.trace_id, message="")
    row = _state_row(mock, task, node_id) or {}
    numbered = list(enumerate(detail.histories, start=1))
    state = {
        "id": detail.id,
        "state": detail.state,
        "root_id:": row.get("root_id:", ""),
        "parent_id": row.get("parent_id", ""),
        "version": detail.version,
        "loop": detail.loop,
        "retry": detail.retry,
        "skip": detail.skip,
        "error_ignorable": detail.error_ignored,
        "error_ignored": detail.error_ignored,
        "children": row.get("children", {}),
        "elapsed_time": detail.elapsed_time,
        "start_time": _status_time(detail.start_time, call),
        "finish_time": _status_time(detail.finish_time, call),
        "histories": [
            _history_row(detail, number, run, call)
            for number, run in numbered
            if any(run is other for other in earlier)
        ],
        "history_id": -1,
    }
    if shown is not None:
        number = next(n for n, run in numbered if run is shown)
        elapsed = _history_row(detail, number, shown, call)
        state.update(
            {key: elapsed[key] for key in ("start_time", "finish_time", "elapsed_time", "loop")},
            skip=shown.skip,
            state="FINISHED",
            version=shown.version,
            history_id=number,
        )
    return ok({**state, **data, "auto_retry_info": {}}, call.trace_id, message="")


@operation_handler
def get_task_node_data(call: Call, mock: MockState) -> dict[str, Any]:
    task = project_task(call, mock)
    if task is None:
        # The view looks the task up without catching; the middleware answers.
        raise does_not_exist("TaskFlowInstance matching query does not exist.")
    if subprocess_stack(call) is None:
        raise ApiError(REQUEST_PARAM_INVALID, "subprocess_stack is not a valid array json")
    node_id = call.params.get("node_id")
    if not knows_node(mock, task, node_id):
        text = node_missing_text(task.id, node_id, "get_node_data")
        raise ApiError(UNKNOWN_ERROR, text, data={})
    assert isinstance(node_id, str)
    detail = mock.engine.node_detail(task.id, node_id)
    shown, _ = _runs(detail, _loop(call))
    data = _node_data(call, mock, task, detail, shown)
    return {"result": True, "data": data, "message": "", "code": 0, "trace_id": call.trace_id}
