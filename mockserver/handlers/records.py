"""get_task_operate_record and get_tasks_manual_intervention_state: what was done to tasks,
and which tasks wait for a person."""

from __future__ import annotations

from typing import Any

from mockserver.call import Call
from mockserver.envelope import ok
from mockserver.errors import REQUEST_PARAM_INVALID, ApiError
from mockserver.handlers.registry import operation_handler
from mockserver.state import MockState
from simulator import views

# gcloud/contrib/operate_record/constants.py OperateType, and the English of locale/en
OPERATE_TYPE_NAMES: dict[str, tuple[str, str]] = {
    "create": ("创建", "Create"),
    "start": ("执行", "Execute"),
    "pause": ("暂停", "Pause"),
    "resume": ("继续", "Continue"),
    "revoke": ("撤消", "Terminate"),
    "callback": ("回调", "Callback"),
    "retry": ("重试", "Retry"),
    "skip": ("跳过", "Skip"),
    "skip_exg": ("跳过失败网关", "Skip failed gateway"),
    "skip_cpg": ("跳过并行条件网关", "Skip parallel conditional gateway"),
    "pause_subproc": ("暂停节点", "Pause Node"),
    "resume_subproc": ("继续节点", "Continue Node"),
    "forced_fail": ("强制失败", "Force Failed"),
}
# OperateSource.api ("app interface" is sic, bk-sops's own English)
API_SOURCE_NAME = ("api 接口", "app interface")
# gcloud/taskflow3/models.py is_manual_intervention_required
EXEMPT_STATES = frozenset({"CREATED", "FINISHED", "REVOKED"})
REQUIRED_STATES = frozenset({"FAILED", "SUSPENDED"})
WAITING_COMPONENTS = frozenset({"pause_node"})
MAX_TASKS = 10


@operation_handler
def get_task_operate_record(call: Call, mock: MockState) -> dict[str, Any]:
    # bk-sops filters on the path's project value as given, not on the project it resolved:
    # with scope cmdb_biz a task's rows show only where its project id equals that value.
    project_value, task_id = call.ids["bk_biz_id"], call.ids["task_id"]
    if mock.engine.project_of(task_id) != project_value:
        return ok([], call.trace_id)
    node_id = call.params.get("node_id")
    rows = []
    for row in mock.engine.operate_records(task_id):
        if node_id and row.node_id != node_id:
            continue
        moment = views.to_datetime(row.at)
        assert moment is not None
        names = OPERATE_TYPE_NAMES.get(row.operate_type, (row.operate_type, row.operate_type))
        rows.append(
            {
                "project_id": project_value,
                "instance_id": task_id,
                "operator": row.operator,
                "operate_type": row.operate_type,
                "operate_date": moment.astimezone(mock.tz).isoformat(),
                "operate_source": "api",
                "node_id": row.node_id,
                # bk-sops reads execution_data["constant"] (sic), which trees never have: {}
                "extra_info": {},
                "operate_type_name": call.text(*names),
                "operate_source_name": call.text(*API_SOURCE_NAME),
            }
        )
    return ok(rows, call.trace_id)


@operation_handler
def get_tasks_manual_intervention_state(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "request body is not a valid json")
    task_ids = call.params.get("task_id_list", [])
    if not isinstance(task_ids, list):
        raise ApiError(REQUEST_PARAM_INVALID, "task_id_list must be a list")
    if len(task_ids) >= MAX_TASKS:
        raise ApiError(REQUEST_PARAM_INVALID, "task_ids_list length can not exceeds 10")
    wanted = {_task_id(item) for item in task_ids}
    project_id = call.require_project().project_id
    data = [
        {"id": task_id, "manual_intervention_required": _needs_a_person(mock, task_id)}
        for task_id in sorted(wanted, reverse=True)  # TaskFlowInstance orders by -id
        if mock.engine.project_of(task_id) == project_id
    ]
    return ok(data, call.trace_id)


def _task_id(item: Any) -> int:
    """An id as Django's `id__in` takes it: an integer or integer text."""
    if isinstance(item, int) and not isinstance(item, bool):
        return item
    # JSON's 3.0 is an integer to JSON Schema; so is an integer past 64 bits, which the body
    # parser (orjson) reads as a whole float, where bk-sops's json reads an int.
    if isinstance(item, float) and item.is_integer():
        return int(item)
    if isinstance(item, str) and item.strip().lstrip("+-").isdigit():
        return int(item)
    # Django raises ValueError here, outside the view's try: HTTP 500 in bk-sops.
    raise ApiError(REQUEST_PARAM_INVALID, f"Field 'id' expected a number but got {item!r}.")


def _needs_a_person(mock: MockState, task_id: int) -> bool:
    task = mock.engine.task(task_id)
    if not task.is_started:
        return False
    tree = mock.engine.status_tree(task_id, poll=False)
    if tree["state"] in EXEMPT_STATES:
        return False
    by_state: dict[str, set[str]] = {tree["state"]: {tree["id"]}}
    _collect(tree.get("children") or {}, by_state)
    if REQUIRED_STATES & by_state.keys():
        return True
    running = by_state.get("RUNNING", set())
    return bool(running & _waiting_nodes(task.pipeline_tree))


def _collect(children: dict[str, Any], by_state: dict[str, set[str]]) -> None:
    for child in children.values():
        by_state.setdefault(child["state"], set()).add(child["id"])
        _collect(child.get("children") or {}, by_state)


def _waiting_nodes(tree: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for act in tree.get("activities", {}).values():
        if act.get("type") == "SubProcess":
            found |= _waiting_nodes(act.get("pipeline") or {})
        elif act.get("component", {}).get("code") in WAITING_COMPONENTS:
            found.add(act["id"])
    return found
