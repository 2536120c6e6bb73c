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


def _failed(view: str, reason: str) -> ApiError:
    return ApiError(UNKNOWN_ERROR, f"{view} fail: {reason}")


def _preview(call: Call, template: Template | None, missing: str) -> dict[str, Any]:
    """pipeline_web/preview.py preview_template_tree, after the view's own body checks."""
    if template is None:
        raise _failed(call.name, f"{missing} matching query does not exist.")
    version = call.params.get("version")
    if version not in (None, "") and version != template_version(template):
        raise _failed(call.name, "Snapshot matching query does not exist.")
    for node_id in call.params.get("exclude_task_nodes_id", []):
        if not isinstance(node_id, _HASHABLE):
            raise _failed(call.name, f"unhashable type: '{type(node_id).__name__}'")
    exclude = call.params.get("exclude_task_nodes_id", [])
    return ok(preview_tree(template.tree, exclude), call.trace_id)


def _checked_body(call: Call) -> None:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "request body is not a valid json")
    if not isinstance(call.params.get("exclude_task_nodes_id", []), list):
        raise ApiError(REQUEST_PARAM_INVALID, "invalid exclude_task_nodes_id")


@operation_handler
def preview_task_tree(call: Call, mock: MockState) -> dict[str, Any]:
    _checked_body(call)
    project = call.require_project()
    template = mock.catalog.template(project.project_id, call.ids["template_id"])
    return _preview(call, template, "TaskTemplate")


@operation_handler
def preview_common_task_tree(call: Call, mock: MockState) -> dict[str, Any]:
    _checked_body(call)
    template = mock.catalog.common_template(call.ids["template_id"])
    return _preview(call, template, "CommonTemplate")


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
