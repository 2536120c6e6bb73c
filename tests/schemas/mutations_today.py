"""Mutation rows for the operations beyond the 2018 doc (read by test_schema_mutations).

Same shape as MUTATIONS there: operation -> (example, JSON pointer, new value or REMOVE, field
named, keyword failing); "*" in a pointer is the first key of a map.
"""

from __future__ import annotations

from typing import Any

from .schema_helpers import REMOVE

TREE = "/data/pipeline_tree"
TODAY_MUTATIONS: dict[str, list[tuple[str, str, Any, str, str]]] = {
    "operate_node": [
        ("request.retry", "/node_id", REMOVE, "node_id", "required"),
        ("request.retry", "/action", "restart", "action", "enum"),
        ("request.retry", "/inputs", [], "inputs", "type"),
        ("response.today", "/message", "ok", "message", "const"),
        ("response.today", "/message", REMOVE, "message", "required"),
        ("response.today", "/data", "success", "data", "not"),
    ],
    "node_callback": [
        ("request.approve", "/node_id", REMOVE, "node_id", "required"),
        ("request.approve", "/callback_data", "yes", "callback_data", "type"),
        ("response.today", "/message", "done", "message", "const"),
    ],
    "get_task_detail": [
        ("request.docs", "/include_webhook_history", "maybe", "include_webhook_history", "enum"),
        ("response.today", "/data/task_url", REMOVE, "task_url", "required"),
        ("response.today", "/data/elapsed_time", "5", "elapsed_time", "type"),
        ("response.today", "/data/create_method", "cli", "create_method", "enum"),
        ("response.today", "/data/start_time", "2026-01-05T10:00:00", "start_time", "pattern"),
        ("response.today", "/data/outputs/0/preset", True, "outputs", "false"),
    ],
    "get_task_node_detail": [
        ("request.docs", "/node_id", REMOVE, "node_id", "required"),
        ("request.docs", "/loop", 0, "loop", "minimum"),
        ("response.today", "/data/histories", REMOVE, "histories", "required"),
        ("response.today", "/data/retry", "1", "retry", "type"),
        ("response.today", "/data/state", "DONE", "state", "enum"),
        ("response.today-not-reached", "/data/state", "RUNNING", "state", "const"),
    ],
    "get_task_node_data": [
        ("request.docs", "/task_id", REMOVE, "task_id", "required"),
        ("response.today", "/data/outputs", REMOVE, "outputs", "required"),
        ("response.today", "/data/outputs/0/preset", "no", "preset", "type"),
        ("response.today", "/message", "ok", "message", "const"),
    ],
    "get_tasks_status": [
        ("request.docs", "/bk_biz_id", REMOVE, "bk_biz_id", "required"),
        ("request.docs", "/task_id_list", list(range(51)), "task_id_list", "maxItems"),
        ("response.today", "/data/0/current_flow", "running", "current_flow", "enum"),
        ("response.today", "/data/1/is_deleted", "no", "is_deleted", "type"),
        ("response.today", "/data/1/url", REMOVE, "url", "required"),
    ],
    "get_task_list": [
        ("request.filters", "/bk_biz_id", REMOVE, "bk_biz_id", "required"),
        ("request.filters", "/limit", -1, "limit", "minimum"),
        ("response.today", "/count", REMOVE, "count", "required"),
        ("response.today", "/data/0/is_started", "true", "is_started", "type"),
        ("response.today", "/data/0/auth_actions/0", "flow_view", "auth_actions", "enum"),
    ],
    "create_and_start_task": [
        ("request.docs", "/name", REMOVE, "name", "required"),
        ("request.docs", "/flow_type", "daily", "flow_type", "enum"),
        ("request.docs", "/constants", [], "constants", "type"),
        ("response.today", "/data/task_url", REMOVE, "task_url", "required"),
    ],
    "fast_create_task": [
        ("request.docs", "/pipeline_tree", REMOVE, "pipeline_tree", "required"),
        ("request.docs", "/pipeline_tree", [], "pipeline_tree", "type"),
        ("request.docs", "/flow_type", "daily", "flow_type", "enum"),
        ("response.today", "/data/task_id", "3", "task_id", "type"),
    ],
    "get_common_template_list": [
        ("request.docs", "/include_notify", "maybe", "include_notify", "enum"),
        ("response.today", "/data/0/auth_actions", REMOVE, "auth_actions", "required"),
        ("response.today", "/data/0/id", "10002", "id", "type"),
        ("response.today", "/data/0/project_id", 1, "data", "false"),
    ],
    "get_common_template_info": [
        ("request.docs", "/template_id", REMOVE, "template_id", "required"),
        ("request.docs", "/format", "xml", "format", "enum"),
        ("response.today", TREE, REMOVE, "pipeline_tree", "required"),
        ("response.today", "/data/has_subprocess", "no", "has_subprocess", "type"),
    ],
    "get_user_project_list": [
        ("request.docs", "/include_executor_proxy", "maybe", "include_executor_proxy", "enum"),
        ("response.today", "/data/0/project_id", REMOVE, "project_id", "required"),
        ("response.today", "/data/0/bk_biz_id", "2", "bk_biz_id", "type"),
    ],
    "get_user_project_detail": [
        ("request.docs", "/bk_biz_id", REMOVE, "bk_biz_id", "required"),
        ("response.today", "/data/from_cmdb", "yes", "from_cmdb", "type"),
        ("response.today", "/data/auth_actions/0", "flow_view", "auth_actions", "enum"),
    ],
    "preview_task_tree": [
        ("request.docs", "/template_id", REMOVE, "template_id", "required"),
        ("request.docs", "/exclude_task_nodes_id", "a", "exclude_task_nodes_id", "type"),
        (
            "response.today",
            "/data/constants_not_referred",
            REMOVE,
            "constants_not_referred",
            "required",
        ),
        ("response.today", TREE + "/activities/*/type", "Task", "type", "enum"),
    ],
    "modify_constants_for_task": [
        ("request.gateway", "/task_id", REMOVE, "task_id", "required"),
        ("request.gateway", "/constants", [], "constants", "type"),
        ("response.today", "/data", "done", "data", "const"),
    ],
    "claim_functionalization_task": [
        ("request.docs", "/task_id", REMOVE, "task_id", "required"),
        ("request.docs", "/constants", [], "constants", "type"),
        ("response.today", "/data", "claimed", "data", "const"),
    ],
    "get_template_schemes": [
        ("request.docs", "/template_id", REMOVE, "template_id", "required"),
        ("response.today", "/data/0/data", ["a"], "data", "type"),
        ("response.today", "/data/0/id", REMOVE, "id", "required"),
        ("response.today", "/code", 1, "code", "const"),
    ],
    "get_task_operate_record": [
        ("request.docs", "/task_id", REMOVE, "task_id", "required"),
        ("response.today", "/data/0/operate_source", "app", "operate_source", "const"),
        ("response.today", "/data/0/instance_id", "1", "instance_id", "type"),
        ("response.today", "/data/0/node_id", REMOVE, "node_id", "required"),
        (
            "response.today",
            "/data/0/operate_date",
            "2026-01-05 10:00:00",
            "operate_date",
            "pattern",
        ),
    ],
    "get_tasks_manual_intervention_state": [
        ("request.docs", "/task_id_list", "1,2", "task_id_list", "type"),
        ("request.docs", "/task_id_list", list(range(1, 11)), "task_id_list", "maxItems"),
        (
            "response.today",
            "/data/0/manual_intervention_required",
            REMOVE,
            "manual_intervention_required",
            "required",
        ),
        ("response.today", "/data/0/id", 0, "id", "minimum"),
        ("response.today", "/code", 3540000, "code", "const"),
    ],
    "get_task_node_log": [
        ("request.docs", "/node_id", REMOVE, "node_id", "required"),
        ("response.today", "/data", None, "data", "type"),
        ("response.today", "/message", "ok", "message", "const"),
        ("response.today", "/page", REMOVE, "page", "required"),
    ],
    "get_node_job_executed_log": [
        ("request.docs", "/node_id", REMOVE, "node_id", "required"),
        ("request.docs", "/target_ip", 1, "target_ip", "type"),
        ("response.today", "/message", "ok", "message", "const"),
        ("response.today", "/logs", REMOVE, "logs", "required"),
    ],
    "preview_common_task_tree": [
        ("request.docs", "/template_id", REMOVE, "template_id", "required"),
        ("request.docs", "/exclude_task_nodes_id", "a", "exclude_task_nodes_id", "type"),
        ("response.today", TREE + "/activities/*/type", "Task", "type", "enum"),
    ],
}
