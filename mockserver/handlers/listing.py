"""get_tasks_status and get_task_list: many tasks of a project at once."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from mockserver.call import Call
from mockserver.errors import INVALID_OPERATION, REQUEST_PARAM_INVALID, VALIDATION_ERROR, ApiError
from mockserver.handlers.registry import operation_handler
from mockserver.iam.answers import restrict
from mockserver.state import MockState
from mockserver.timefmt import render
from simulator import TaskInfo
from simulator.taskdata import TaskRow, task_rows

from .counts import GROUPS
from .listfilters import FORM_FILTERS, form_boolean, parse_bound
from .tasks import task_url

MAX_TASK_IDS = 50
MAX_PAGE = 200
# gcloud/iam_auth/conf.py TASK_ACTIONS: a trusted app sees every action.
TASK_ACTIONS = ["task_view", "task_edit", "task_operate", "task_claim", "task_delete", "task_clone"]
_DRF_TRUE = frozenset({"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE"})
_DRF_TRUE |= {"on", "On", "ON", "1"}
_DRF_FALSE = frozenset({"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE"})
_DRF_FALSE |= {"off", "Off", "OFF", "0"}


def current_flow(task: TaskInfo) -> str:
    # bk-sops moves current_flow to "finished" when the pipeline finishes or is revoked.
    return "finished" if task.is_finished or task.is_revoked else task.current_flow


def _body_flag(call: Call, name: str) -> bool:
    """A DRF BooleanField read from a JSON body (booleans, 0/1 and the text spellings)."""
    value = call.params.get(name, False)
    if value is True or value is False:
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value in _DRF_TRUE | _DRF_FALSE:
        return value in _DRF_TRUE
    raise ApiError(REQUEST_PARAM_INVALID, {name: ["Must be a valid boolean."]})


def _task_ids(raw: list[Any]) -> set[int]:
    wanted: set[int] = set()
    for item in raw:
        if isinstance(item, float) and item.is_integer():
            item = int(item)  # JSON's 3.0 is an integer to JSON Schema and to the database
        if isinstance(item, bool) or not isinstance(item, int | str):
            item = None
        elif isinstance(item, str):
            item = int(item) if item.isascii() and item.isdigit() else None
        if item is None or item < 0:
            # bk-sops hands the list to the database and answers HTTP 500.
            raise ApiError(REQUEST_PARAM_INVALID, "task_id_list must hold task ids")
        wanted.add(item)
    return wanted


@operation_handler
def get_tasks_status(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "request body is not a valid json")
    raw = call.params.get("task_id_list", [])
    if not isinstance(raw, list):
        raise ApiError(REQUEST_PARAM_INVALID, "task_id_list must be a list")
    if len(raw) > MAX_TASK_IDS:
        raise ApiError(
            REQUEST_PARAM_INVALID, f"task_id_list is too long, maximum length is {MAX_TASK_IDS}"
        )
    children = _body_flag(call, "include_children_status")
    wanted = _task_ids(raw)
    project = call.require_project()
    tz = call.default_tz
    found = [mock.engine.find_task(task_id) for task_id in sorted(wanted, reverse=True)]
    data = []
    for task in [t for t in found if t is not None and t.project_id == project.project_id]:
        status = mock.engine.status_tree(task.id, tz=tz)
        status["name"] = task.name
        if not children:
            status.pop("children", None)
        data.append(
            {
                "id": task.id,
                "name": task.name,
                "status": status,
                "flow_type": task.flow_type,
                "current_flow": current_flow(task),
                "is_deleted": False,
                "create_time": render(task.create_time, tz),
                "start_time": render(task.start_time, tz),
                "finish_time": render(task.finish_time, tz),
                "url": task_url(mock, project.project_id, task.id),
            }
        )
    return {"result": True, "data": data, "code": 0, "trace_id": call.trace_id}


def raw_time(moment: datetime | None) -> str | None:
    """A UTC datetime as Django's JSON encoder writes it (milliseconds, Z)."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat()
    if moment.microsecond:
        text = text[:23] + text[26:]
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _page_number(call: Call, name: str, default: int) -> int:
    raw = call.params.get(name, default)
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise _pagination_error(str(exc)) from None


def _pagination_error(reason: str) -> ApiError:
    # bk-sops puts the exception object itself in `message` (which then cannot be serialised);
    # the mock sends its text.
    return ApiError(INVALID_OPERATION, f"[API] pagination error: {reason}", data="")


def _list_item(
    call: Call, task: TaskRow, tz: tzinfo | None, names: dict[str, str]
) -> dict[str, Any]:
    project = call.require_project()
    time = (lambda m: render(m, tz)) if tz is not None else raw_time
    return {
        "id": task.id,
        "name": task.name,
        "category": names.get(task.category, task.category),
        "create_method": task.create_method,
        "creator": task.creator,
        "executor": task.executor,
        "start_time": time(task.start_time),
        "finish_time": time(task.finish_time),
        "is_started": task.is_started,
        "is_finished": task.is_finished,
        "template_source": task.template_source,
        "template_id": "" if task.template_source == "onetime" else str(task.template_id),
        "is_child_taskflow": False,
        "project_id": project.project_id,
        "project_name": project.name,
        "bk_biz_id": project.bk_biz_id,
        "bk_biz_name": project.name if project.from_cmdb else None,
        "auth_actions": list(TASK_ACTIONS),
    }


@operation_handler
def get_task_list(call: Call, mock: MockState) -> dict[str, Any]:
    project = call.require_project()
    tz = call.tz() if call.params.get("expected_timezone") else None
    params = call.params
    errors: dict[str, list[str]] = {}
    bounds = {}
    for name, is_end in (("create_time_start", False), ("create_time_end", True)):
        bound, error = parse_bound(params.get(name), is_end, mock.tz)
        if error:
            errors[name] = [error]
        bounds[name] = bound
    if errors:
        raise ApiError(VALIDATION_ERROR, errors, data="")
    tasks = task_rows(mock.engine, project.project_id)
    for name, keep in FORM_FILTERS.items():
        if name in params:
            tasks = [t for t in tasks if keep(t, params[name])]
    start, end = bounds["create_time_start"], bounds["create_time_end"]
    if start is not None:
        tasks = [t for t in tasks if t.create_time >= start]
    if end is not None:
        tasks = [t for t in tasks if t.create_time <= end]
    offset = _page_number(call, "offset", 0)
    limit = min(_page_number(call, "limit", 100), MAX_PAGE)
    if offset < 0 or limit < 0:
        raise _pagination_error("offset and limit must be greater or equal to 0.")
    without_count = "without_count" in params and form_boolean(params["without_count"])
    count = -1 if without_count else len(tasks)
    names = {code: call.text(zh, en) for code, zh, en in GROUPS["category"]}
    data = [_list_item(call, task, tz, names) for task in tasks[offset : offset + limit]]
    restrict(call, mock, data, "task", project.project_id)  # the user's IAM grants
    return {"result": True, "data": data, "count": count, "code": 0, "trace_id": call.trace_id}
