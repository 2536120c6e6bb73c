"""create_task, start_task, operate_task and get_task_status over the engine."""

from __future__ import annotations

import re
from typing import Any

import simulator.errors as sim
from mockserver.call import Call
from mockserver.catalog import Template
from mockserver.envelope import ok
from mockserver.errors import (
    CONTENT_NOT_EXIST,
    INVALID_OPERATION,
    REQUEST_PARAM_INVALID,
    UNKNOWN_ERROR,
    ApiError,
    does_not_exist,
    params_invalid,
    web_tree_refused,
)
from mockserver.handlers.registry import operation_handler
from mockserver.handlers.webtree import task_tree_error
from mockserver.iam.interceptors import after_validation
from mockserver.state import MockState
from simulator import TaskInfo

from .lookups import find_template
from .selection import excluded_nodes, tree_spec
from .statuswire import status_data
from .taskref import project_task
from .treewire import pipeline_tree_wire

CALLBACK_URL = re.compile(r"^https?://\w.+$")
TASK_ACTIONS = ("start", "pause", "resume", "revoke")


def task_url(mock: MockState, project_id: int, task_id: int) -> str:
    return f"{mock.settings.task_url_base}taskflow/execute/{project_id}/?instance_id={task_id}"


def find_task(call: Call, mock: MockState) -> TaskInfo:
    """The task of the call's project; a task of another project does not exist for it."""
    task = project_task(call, mock)
    if task is None:
        raise sim.TaskNotFound(call.ids["task_id"])
    return task


@operation_handler
def create_task(call: Call, mock: MockState) -> dict[str, Any]:
    project = call.require_project()
    params = call.params
    if call.body_empty:
        raise ApiError(
            REQUEST_PARAM_INVALID,
            call.text(
                "非法请求: 数据错误, 请求不是合法的Json格式 | validate",
                "Illegal request: data error, the request is not in legal Json format | validate",
            ),
            trace=False,
            data=None,
        )
    after_validation(call, mock)  # CreateTaskInterceptor runs after request_validate
    callback_url = params.get("callback_url")
    # bk-sops pops the URL and checks only a truthy one (null, "", 0 ... are accepted)
    if callback_url and not (isinstance(callback_url, str) and CALLBACK_URL.match(callback_url)):
        raise ApiError(
            REQUEST_PARAM_INVALID, r"callback_url format error, must match ^https?://\w.+$"
        )
    template = _template(call, mock)
    if mock.settings.auth != "off" and not call.identity.app_code:
        raise ApiError(
            CONTENT_NOT_EXIST,
            "app_code cannot be empty, make sure api gateway has sent correct params",
        )
    refused = params_invalid("create_task", params)
    if refused is not None:
        raise refused
    failure = call.schema_failure(mock.memo)  # the mock's stricter rules (PROVENANCE choice 27)
    if failure is not None:
        raise ApiError(REQUEST_PARAM_INVALID, f"task params is invalid: {failure.message}")
    spec = tree_spec(call, template, project.project_id)
    if spec is not None:
        problem = task_tree_error(params["pipeline_tree"], params.get("constants") or {})
        if problem is not None:
            raise web_tree_refused("create_task", problem)
    exclude = excluded_nodes(call, template) if spec is None else []
    flow_type = params.get("flow_type", "common")
    task = mock.engine.new_task(  # no snapshot: the answer needs only the id and the tree
        spec or template.spec(project.project_id),
        name=params["name"],
        creator=call.identity.username,
        project_id=project.project_id,
        flow_type=flow_type,
        constants=params.get("constants") or {},
        exclude_task_nodes_id=exclude,
        create_method="api",
        create_info=call.identity.app_code,
        description=params.get("description") or "",
        template_source=template.source,
    )
    mock.engine.record_operation(task.id, call.identity.username, "create")
    if callback_url:  # TaskCallBackRecord, with callback_version when one is given
        version = params.get("callback_version")
        mock.outbox.register(mock.engine, task.id, callback_url, version, mock.clock.now())
    data: dict[str, Any] = {
        "task_id": task.id,
        "task_url": task_url(mock, project.project_id, task.id),
        # A tree the caller sent is new each time: a stencil of it would be used once.
        "pipeline_tree": task.pipeline_tree if spec else pipeline_tree_wire(mock, task),
    }
    if flow_type == "common_func":
        data["function_task_claim_url"] = (
            f"{mock.settings.task_url_base}function/execute/{project.project_id}/"
            f"?instance_id={task.id}"
        )
    return ok(data, call.trace_id)


def _template(call: Call, mock: MockState) -> Template:
    source = call.params.get("template_source", "project")
    return find_template(call, mock, project_source=source in ("project", "business"), spaced=False)


def _start(call: Call, mock: MockState) -> int:
    """Start the path's task; its project id. No TaskInfo: a start is hot under load."""
    task_id, project_id = call.ids["task_id"], call.require_project().project_id
    if mock.engine.project_of(task_id) != project_id:
        # bk-sops's is_task_started raises its own DoesNotExist text, whatever the operation.
        raise does_not_exist(f"TaskFlowInstance(id={task_id}) does not exist.")
    if mock.engine.is_started(task_id):
        raise sim.TaskAlreadyStarted(task_id)
    # Queued for a worker (startqueue.py), even when a start is already waiting: bk-sops
    # checks only is_started. What the worker then cannot start (an unclaimed common_func
    # task, a second start) it drops silently: the answer here is success all the same.
    queue_start(call, mock, task_id)
    return project_id


def queue_start(call: Call, mock: MockState, task_id: int) -> None:
    mock.starts.put(mock.engine, task_id, call.identity.username, mock.clock, lost=call.lost_start)


@operation_handler
def start_task(call: Call, mock: MockState) -> dict[str, Any]:
    url = task_url(mock, _start(call, mock), call.ids["task_id"])
    mock.engine.record_operation(call.ids["task_id"], call.identity.username, "start")
    return {
        "task_url": url,
        "data": {"task_url": url},
        "result": True,
        "code": 0,
        "trace_id": call.trace_id,
    }


@operation_handler
def operate_task(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "invalid json format")
    action = call.params.get("action")
    if action == "start":
        _start(call, mock)
        mock.engine.record_operation(call.ids["task_id"], call.identity.username, "start")
        return _success(call)
    task = find_task(call, mock)
    if task.current_flow != "execute_task":
        raise ApiError(
            INVALID_OPERATION, f"task with current_flow:{task.current_flow} cannot be {action}ed"
        )
    if action not in TASK_ACTIONS:
        raise ApiError(INVALID_OPERATION, "task command is invalid")
    if not task.is_started:
        raise sim.TaskNotStarted(task.id, action)
    operations = {
        "pause": mock.engine.pause_task,
        "resume": mock.engine.resume_task,
        "revoke": mock.engine.revoke_task,
    }
    operations[action](task.id)
    mock.engine.record_operation(task.id, call.identity.username, action)
    return _success(call)


def _success(call: Call) -> dict[str, Any]:
    return {"result": True, "message": "success", "code": 0, "trace_id": call.trace_id}


def _flag(call: Call, name: str) -> bool:
    # bk-sops reads these raw: any non-empty value is true, "false" included.
    return bool(call.params.get(name))


@operation_handler
def get_task_status(call: Call, mock: MockState) -> dict[str, Any]:
    task_id = call.ids["task_id"]
    # A status read is the hot path under load: no TaskInfo, the tree carries the task's name.
    if mock.engine.project_of(task_id) != call.require_project().project_id:
        raise sim.TaskNotFound(task_id)
    if not call.params:  # the usual poll: no flags to read, nothing added to the data
        data = status_data(mock, task_id, call.default_tz, None, whole=True)
        return {"result": True, "data": data, "code": 0, "message": "", "trace_id": call.trace_id}
    subprocess_id = call.params.get("subprocess_id") or None
    data = status_data(mock, task_id, call.default_tz, subprocess_id)
    wants_failed = _flag(call, "with_failed_node_info") or _flag(call, "with_auto_retry_status")
    if wants_failed and "id" not in data:
        # bk-sops reads data["id"] here, which the CREATED payload lacks.
        raise ApiError(UNKNOWN_ERROR, f"task[id={task_id}] extract failed node info error: 'id'")
    if _flag(call, "with_ex_data") and data.get("state") == "FAILED":
        data["ex_data"] = mock.engine.failed_ex_data(task_id)
    if _flag(call, "with_failed_node_info"):
        data["failed_node_info"] = {node: {} for node in mock.engine.failed_ex_data(task_id)}
    if _flag(call, "with_auto_retry_status"):
        data["auto_retry_status"] = {"exist_auto_retry_nodes": False, "auto_retry_nodes": []}
    return {"result": True, "data": data, "code": 0, "message": "", "trace_id": call.trace_id}
