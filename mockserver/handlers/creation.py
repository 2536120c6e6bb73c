"""create_and_start_task and fast_create_task: the other two ways to make a task."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from mockserver.call import Call
from mockserver.catalog import Template
from mockserver.errors import (
    CONTENT_NOT_EXIST,
    REQUEST_PARAM_INVALID,
    ApiError,
    invalid_json_body,
    params_invalid,
    web_tree_refused,
)
from mockserver.handlers.registry import operation_handler
from mockserver.iam.interceptors import after_validation
from mockserver.state import MockState
from simulator import TemplateSpec

from .counts import GROUPS
from .lookups import find_template
from .selection import excluded_nodes
from .tasks import CALLBACK_URL, queue_start, task_url
from .treewire import pipeline_tree_wire
from .webtree import engine_tree_error, standardize_name, standardize_node_names, web_tree_error

NAME_MAX = 100
# gcloud/utils/strings.py standardize_name drops these characters.
CATEGORIES = frozenset(code for code, _, _ in GROUPS["category"])


def _template(call: Call, mock: MockState, source: Any) -> Template:
    # create_and_start_task reads project templates only for "business" (create_task also
    # takes "project").
    return find_template(call, mock, project_source=source == "business", spaced=False)


@operation_handler
def create_and_start_task(call: Call, mock: MockState) -> dict[str, Any]:
    project = call.require_project()
    if call.body_empty:
        raise invalid_json_body(call.text)
    after_validation(call, mock)  # CreateTaskInterceptor runs after request_validate
    params = call.params
    callback_url = params.get("callback_url")
    if callback_url and not (isinstance(callback_url, str) and CALLBACK_URL.match(callback_url)):
        raise ApiError(
            REQUEST_PARAM_INVALID, r"callback_url format error, must match ^https?://\w.+$"
        )
    source = params.get("template_source", "business")
    template = _template(call, mock, source)
    if mock.settings.auth != "off" and not call.identity.app_code:
        raise ApiError(
            CONTENT_NOT_EXIST,
            "app_code cannot be empty, make sure api gateway has sent correct params",
        )
    refused = params_invalid("create_and_start_task", params)
    if refused is not None:
        raise refused
    failure = call.schema_failure()  # the mock's stricter rules (PROVENANCE choice 27)
    if failure is not None:
        # sic: "parmas"
        raise ApiError(REQUEST_PARAM_INVALID, f"task parmas is invalid: {failure.message}")
    if not params.get("template_schemes_id"):
        # Without schemes this view never reads execute_task_nodes_id.
        kept = {k: v for k, v in params.items() if k != "execute_task_nodes_id"}
        call = dataclasses.replace(call, params=kept)
    flow_type = params.get("flow_type", "common")
    task = mock.engine.create_task(
        template.spec(project.project_id),
        name=params["name"],
        creator=call.identity.username,
        project_id=project.project_id,
        flow_type=flow_type,
        constants=params.get("constants") or {},
        exclude_task_nodes_id=excluded_nodes(call, template),
        create_method="api",
        create_info=call.identity.app_code,
        description=params.get("description") or "",
        template_source=str(source),
    )
    if callback_url:  # this view stores no callback_version: always the form body
        mock.outbox.register(mock.engine, task.id, callback_url, None, mock.clock.now())
    # bk-sops queues the start; an unclaimed common_func task is then refused silently.
    queue_start(call, mock, task.id)
    mock.engine.record_operation(task.id, call.identity.username, "create")
    data = {
        "pipeline_tree": pipeline_tree_wire(mock, task),
        "task_id": task.id,
        "task_url": task_url(mock, project.project_id, task.id),
    }
    return {"result": True, "code": 0, "data": data, "trace_id": call.trace_id}


def _tree_error(reason: str) -> ApiError:
    return web_tree_refused("fast_create_task", reason)


def _unfold(call: Call, mock: MockState, tree: dict[str, Any], depth: int = 0) -> None:
    """Give each SubProcess without its own tree the tree of the template it names."""
    for activity in tree.get("activities", {}).values():
        if not isinstance(activity, dict) or activity.get("type") != "SubProcess":
            continue
        if not isinstance(activity.get("pipeline"), dict) and depth < 8:
            template = _subprocess_template(call, mock, activity.get("template_id"))
            if template is not None:
                activity["pipeline"] = copy.deepcopy(dict(template.tree))
        if isinstance(activity.get("pipeline"), dict):
            _unfold(call, mock, activity["pipeline"], depth + 1)


def _subprocess_template(call: Call, mock: MockState, template_id: Any) -> Template | None:
    text = str(template_id)
    if not (text.isascii() and text.isdigit()):
        return None
    if call.params.get("has_common_subprocess"):
        return mock.catalog.common_template(int(text))
    return mock.catalog.template(call.require_project().project_id, int(text))


def _checked_tree(call: Call, mock: MockState) -> dict[str, Any]:
    """FastCreateTaskValidator: the tree is tidied, checked, and its subprocesses must be
    templates of the project (unless has_common_subprocess)."""
    if "pipeline_tree" not in call.params:
        raise _tree_error("'pipeline_tree'")
    raw = call.params["pipeline_tree"]
    if not isinstance(raw, dict):
        raise _tree_error(f"pipeline_tree must be an object, not {type(raw).__name__}")
    tree = copy.deepcopy(raw)
    standardize_node_names(tree)
    for key, empty in (("gateways", {}), ("constants", {}), ("outputs", [])):
        tree.setdefault(key, empty)
    problem = web_tree_error(tree, engine=False)
    if problem is not None:
        raise _tree_error(problem)
    if not call.params.get("has_common_subprocess"):
        _check_subprocess_owner(call, mock, tree)
    # bk-sops checks the tree before the owners; the mock needs the subprocess trees of
    # existing templates to check the engine's rules, so a foreign template is reported first.
    _unfold(call, mock, tree)
    problem = engine_tree_error(tree)
    if problem is not None:
        raise _tree_error(problem)
    return tree


def _check_subprocess_owner(call: Call, mock: MockState, tree: dict[str, Any]) -> None:
    used = [a["template_id"] for a in tree["activities"].values() if "template_id" in a]
    mine = {t.id for t in mock.catalog.project_templates(call.require_project().project_id)}
    strangers = sorted({str(tid) for tid in used if not (type(tid) is int and tid in mine)})
    if strangers:
        raise ApiError(
            REQUEST_PARAM_INVALID,
            f"[API] fast_create_task get invalid template_id: {','.join(strangers)}, "
            "template_id should belong to current project.",
            trace=False,
            data=None,
        )


@operation_handler
def fast_create_task(call: Call, mock: MockState) -> dict[str, Any]:
    project = call.require_project()
    if call.body_empty:
        raise invalid_json_body(call.text)
    tree = _checked_tree(call, mock)
    after_validation(call, mock)  # FastCreateTaskInterceptor runs after request_validate
    name = call.params.get("name")
    if not isinstance(name, str):
        # bk-sops: KeyError for a missing name; a name that is not text fails harder (HTTP 500).
        reason = "'name'" if name is None else "name must be a string"
        raise ApiError(REQUEST_PARAM_INVALID, f"invalid params: {reason}")
    category = call.params.get("category")
    flow_type = "common_func" if call.params.get("flow_type") == "common_func" else "common"
    spec = TemplateSpec(
        template_id=0,
        project_id=project.project_id,
        name=name,
        category=category if isinstance(category, str) and category in CATEGORIES else "Default",
        tree=tree,
        source="onetime",
    )
    description = call.params.get("description")
    task = mock.engine.create_task(
        spec,
        name=standardize_name(name, NAME_MAX),
        creator=call.identity.username,
        project_id=project.project_id,
        flow_type=flow_type,
        create_method="api",
        create_info=call.identity.app_code,
        description=description if isinstance(description, str) else "",
        template_source="onetime",
    )
    mock.engine.record_operation(task.id, call.identity.username, "create")
    data = {
        "task_id": task.id,
        "task_url": task_url(mock, project.project_id, task.id),
        "pipeline_tree": task.pipeline_tree,
    }
    return {"result": True, "data": data, "code": 0, "trace_id": call.trace_id}
