"""The periodic-task family: create, list, read, switch, re-schedule and re-parameterise.

The schedule and its runs live in the engine (simulator/periodic.py); these views read and
check the call as gcloud/apigw/views/<name>.py do, in their order, and render the answer as
gcloud/apigw/views/utils.py info_data_from_period_task does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.call import Call
from mockserver.envelope import ok
from mockserver.errors import (
    CONTENT_NOT_EXIST,
    INVALID_OPERATION,
    REQUEST_PARAM_INVALID,
    UNKNOWN_ERROR,
    ApiError,
    invalid_json_body,
)
from mockserver.handlers.registry import operation_handler
from mockserver.iam.answers import restrict
from mockserver.iam.interceptors import after_validation
from mockserver.state import MockState
from mockserver.timefmt import render
from simulator import PeriodicInfo

from .details import DETAIL_FLAGS
from .preparing import template_version

# env.PERIODIC_TASK_PROJECT_MAX_NUMBER's default (BKAPP_PERIODIC_TASK_PROJECT_MAX_NUMBER).
PROJECT_LIMIT = 50
# gcloud/iam_auth/conf.py PERIODIC_TASK_ACTIONS, cut to the user's grants.
PERIODIC_TASK_ACTIONS = ("periodic_task_view", "periodic_task_delete", "periodic_task_edit")
# gcloud/constants.py NON_COMMON_TEMPLATE_TYPES: any other source reads a common template.
PROJECT_SOURCES = ("business", "project")
# Django's BooleanField.to_python: what a save accepts for celery beat's `enabled`.
_TRUE_TEXT, _FALSE_TEXT = ("t", "True", "1"), ("f", "False", "0")
# Excluded ids are looked up in a dict; a JSON list or object there fails as unhashable.
_HASHABLE = (str, int, float, bool, type(None))


def _info(
    call: Call, mock: MockState, task: PeriodicInfo, *, detail: bool, edit: bool, tz: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": task.id,
        "name": task.name,
        "template_id": str(task.template_id),
        "template_source": task.template_source,
        "creator": task.creator,
        "cron": task.cron,
        "enabled": task.enabled,
        "last_run_at": render(task.last_run_at, tz),
        "total_run_count": task.total_run_count,
    }
    if edit:
        data["editor"] = task.editor
        data["edit_time"] = render(task.edit_time, tz)
        data["is_latest"] = _is_latest(call, mock, task)
    if detail:
        data["form"] = task.form
        data["pipeline_tree"] = task.pipeline_tree
    return data


def _is_latest(call: Call, mock: MockState, task: PeriodicInfo) -> bool | None:
    if not task.template_version:
        return None
    if task.template_source in PROJECT_SOURCES:
        template = mock.catalog.template(task.project_id, task.template_id)
    else:
        template = mock.catalog.common_template(task.template_id)
    return None if template is None else template_version(template) == task.template_version


def _periodic(call: Call, mock: MockState) -> PeriodicInfo:
    """PeriodicTask.objects.get(id=task_id, project_id=project.id), as the views word a miss."""
    task_id = call.ids["task_id"]
    task = mock.engine.find_periodic_task(task_id)
    if task is None or task.project_id != call.require_project().project_id:
        raise ApiError(CONTENT_NOT_EXIST, f"task({task_id}) does not exist")
    return task


@operation_handler
def create_periodic_task(call: Call, mock: MockState) -> dict[str, Any]:
    project = call.require_project()
    if call.body_empty:
        raise invalid_json_body(call.text)
    after_validation(call, mock)  # CreatePeriodicTaskInterceptor runs after request_validate
    if len(mock.engine.periodic_tasks(project.project_id)) >= PROJECT_LIMIT:
        raise ApiError(INVALID_OPERATION, f"Periodic task number reaches limit: {PROJECT_LIMIT}")
    edit = call.serializer_flags(DETAIL_FLAGS)["include_edit_info"]
    params = call.params
    source = params.get("template_source", "project")
    template_id = call.ids["template_id"]
    if source in PROJECT_SOURCES:
        source = "project"
        template = mock.catalog.template(project.project_id, template_id)
        if template is None:
            raise ApiError(
                CONTENT_NOT_EXIST,
                f"template[id={template_id}] of project[project_id={project.project_id} , "
                f"biz_id{project.bk_biz_id}] does not exist",
            )
    else:
        template = mock.catalog.common_template(template_id)
        if template is None:
            raise ApiError(CONTENT_NOT_EXIST, f"common template[id={template_id}] does not exist")
    failure = call.schema_failure(mock.memo)
    if failure is not None:
        raise ApiError(REQUEST_PARAM_INVALID, f"task params is invalid: {failure.message}")
    exclude = params.get("exclude_task_nodes_id") or []
    for node_id in exclude:
        if not isinstance(node_id, _HASHABLE):
            raise ApiError(UNKNOWN_ERROR, f"unhashable type: '{type(node_id).__name__}'")
    task = mock.engine.create_periodic_task(
        template.spec(project.project_id),
        name=params["name"],
        creator=call.identity.username,
        cron=params["cron"],
        timezone=project.time_zone,
        exclude_task_nodes_id=exclude,
        constants=params.get("constants") or {},
        template_source=str(source),
        template_version=template_version(template),
    )
    data = _info(call, mock, task, detail=True, edit=edit, tz=call.default_tz)
    # The model instance just created still holds the template's integer id.
    data["template_id"] = task.template_id
    return ok(data, call.trace_id)


@operation_handler
def get_periodic_task_list(call: Call, mock: MockState) -> dict[str, Any]:
    tz = call.tz()  # timezone_inject runs before the view
    edit = call.serializer_flags(DETAIL_FLAGS)["include_edit_info"]
    project = call.require_project()
    data = []
    for task in mock.engine.periodic_tasks(project.project_id):
        item = _info(call, mock, task, detail=False, edit=edit, tz=tz)
        item["auth_actions"] = list(PERIODIC_TASK_ACTIONS)
        data.append(item)
    # get_periodic_task_allowed_actions_for_user: the user's own grants, whatever the app.
    restrict(call, mock, data, "periodic_task", project.project_id)
    return ok(data, call.trace_id)


@operation_handler
def get_periodic_task_info(call: Call, mock: MockState) -> dict[str, Any]:
    edit = call.serializer_flags(DETAIL_FLAGS)["include_edit_info"]
    task = _periodic(call, mock)
    return ok(_info(call, mock, task, detail=True, edit=edit, tz=call.default_tz), call.trace_id)


def _saved_boolean(value: Any) -> bool:
    """What Django's BooleanField stores for `value`; bk-sops answers HTTP 500 for the rest."""
    if value is True or value is False or (type(value) in (int, float) and value in (0, 1)):
        return bool(value)
    if isinstance(value, str) and value in _TRUE_TEXT + _FALSE_TEXT:
        return value in _TRUE_TEXT
    raise ApiError(UNKNOWN_ERROR, f"['“{value}” value must be either True or False.']")


@operation_handler
def set_periodic_task_enabled(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "invalid json format")
    enabled = call.params.get("enabled", False)
    task = _periodic(call, mock)
    mock.engine.set_periodic_enabled(task.id, _saved_boolean(enabled), call.identity.username)
    # The view answers the attribute it set, which still holds the value the client sent.
    return ok({"enabled": enabled}, call.trace_id)


def _no_get(value: Any, method: str) -> ApiError:
    # The value is used as a dict; anything else fails there, caught by the view's except.
    return ApiError(UNKNOWN_ERROR, f"'{_type_name(value)}' object has no attribute '{method}'")


def _type_name(value: Any) -> str:
    return "NoneType" if value is None else type(value).__name__


@operation_handler
def modify_cron_for_periodic_task(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "invalid json format")
    cron = call.params.get("cron", {})
    task = _periodic(call, mock)
    if not isinstance(cron, Mapping):
        raise _no_get(cron, "get")
    zone = call.require_project().time_zone
    changed = mock.engine.modify_periodic_cron(task.id, cron, zone)
    return ok({"cron": changed.cron}, call.trace_id)


@operation_handler
def modify_constants_for_periodic_task(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "invalid json format")
    constants = call.params.get("constants", {})
    task = _periodic(call, mock)
    if not isinstance(constants, Mapping):
        raise _no_get(constants, "items")
    return ok(mock.engine.modify_periodic_constants(task.id, constants), call.trace_id)
