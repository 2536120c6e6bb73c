"""query_task_count: grouped task counts with bk-sops's group order and display names."""

from __future__ import annotations

from typing import Any

from mockserver.call import Call
from mockserver.envelope import ok
from mockserver.errors import REQUEST_PARAM_INVALID, ApiError
from mockserver.handlers.registry import operation_handler
from mockserver.state import MockState

# (code, Chinese name, English name), in the order bk-sops lists them.
GROUPS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "status": (
        ("CREATED", "未执行", "Ready"),
        ("EXECUTING", "执行中", "Executing"),
        ("FINISHED", "已完成", "Finished"),
    ),
    "flow_type": (
        ("common", "默认任务流程", "General Task"),
        ("common_func", "职能化任务流程", "Helper-Team Task"),
    ),
    "create_method": (
        ("app", "手动", "Manual"),
        ("api", "API网关", "API Gateway"),
        ("app_maker", "轻应用", "Mini-APP"),
        ("periodic", "周期任务", "Cron Task"),
        ("clocked", "计划任务", "Scheduled Task"),
        ("mobile", "移动端", "Mobile"),
        ("mcp", "MCP", "MCP"),
    ),
    "category": (
        ("OpsTools", "运维工具", "OPS Tools"),
        ("MonitorAlarm", "监控告警", "Alarm"),
        ("ConfManage", "配置管理", "Conf Manage"),
        ("DevTools", "开发工具", "Dev Tools"),
        ("EnterpriseIT", "企业IT", "Enterprise IT"),
        ("OfficeApp", "办公应用", "Office App"),
        ("Other", "其它", "Others"),
        ("Default", "默认分类", "Default"),
    ),
}


@operation_handler
def query_task_count(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "invalid json format")
    conditions = call.params.get("conditions", {})
    if not isinstance(conditions, dict):
        # bk-sops formats the value with Python's %s; JSON decodes to the same Python objects.
        raise ApiError(
            REQUEST_PARAM_INVALID,
            f"[API] query_task_list params conditions[{conditions}] are invalid dict data",
        )
    group_by = call.params.get("group_by")
    if not isinstance(group_by, str) or group_by not in GROUPS:
        raise ApiError(
            REQUEST_PARAM_INVALID, f"[API] query_task_list params group_by[{group_by}] is invalid"
        )
    call.extra["conditions"] = conditions
    project = call.require_project()
    result = mock.engine.count(project.project_id, group_by, conditions)
    counted = dict(result.groups)
    names = {code: call.text(zh, en) for code, zh, en in GROUPS[group_by]}
    if group_by == "category":
        # bk-sops reads these from its statistics table: only categories with tasks appear,
        # in the order of its category list, and `total` is the constant 1.
        groups = [
            {"code": code, "name": names.get(code, code), "value": counted[code]}
            for code, _, _ in GROUPS["category"]
            if counted.get(code)
        ]
        return ok({"total": 1, "groups": groups}, call.trace_id)
    groups = [
        {"code": code, "name": names[code], "value": counted.get(code, 0)}
        for code, _, _ in GROUPS[group_by]
    ]
    return ok({"total": result.total, "groups": groups}, call.trace_id)
