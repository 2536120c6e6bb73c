"""preview_task_tree and modify_constants_for_task: shaping a task before it runs."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mockserver.call import Call
from mockserver.catalog import Template
from mockserver.envelope import ok
from mockserver.errors import REQUEST_PARAM_INVALID, UNKNOWN_ERROR, ApiError, does_not_exist
from mockserver.handlers.registry import operation_handler
from mockserver.state import MockState
from simulator.preview import preview_tree
from simulator.taskdata import set_task_constants

from .taskref import project_task

_HASHABLE = (str, int, float, bool, type(None))


def template_version(template: Template) -> str:
    """The current version of a template: the checksum of its tree, as bk-sops's snapshots."""
    text = json.dumps(template.tree, sort_keys=True, ensure_ascii=False)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _failed(reason: str) -> ApiError:
    return ApiError(UNKNOWN_ERROR, f"preview_task_tree fail: {reason}")


@operation_handler
def preview_task_tree(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "request body is not a valid json")
    exclude = call.params.get("exclude_task_nodes_id", [])
    if not isinstance(exclude, list):
        raise ApiError(REQUEST_PARAM_INVALID, "invalid exclude_task_nodes_id")
    project = call.require_project()
    template = mock.catalog.template(project.project_id, call.ids["template_id"])
    if template is None:
        raise _failed("TaskTemplate matching query does not exist.")
    version = call.params.get("version")
    if version not in (None, "") and version != template_version(template):
        raise _failed("Snapshot matching query does not exist.")
    for node_id in exclude:
        if not isinstance(node_id, _HASHABLE):
            raise _failed(f"unhashable type: '{type(node_id).__name__}'")
    return ok(preview_tree(template.tree, exclude), call.trace_id)


@operation_handler
def modify_constants_for_task(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "invalid json format")
    task = project_task(call, mock)
    if task is None:
        raise does_not_exist("TaskFlowInstance matching query does not exist.")
    if task.is_started:
        raise ApiError(REQUEST_PARAM_INVALID, "task is started")
    constants = call.params.get("constants", {})
    if not isinstance(constants, dict):
        # bk-sops reads .keys() of it and answers HTTP 500.
        raise ApiError(REQUEST_PARAM_INVALID, "constants must be an object")
    set_task_constants(mock.engine, task.id, constants)
    return ok("success", call.trace_id)
