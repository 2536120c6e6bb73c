"""Broken variants of the stored examples are rejected, and the error names the broken field."""

from __future__ import annotations

import pytest

import schemas

from .schema_helpers import example, mutate

# (operation, example, pointer, action, value, field, keyword); "*" = first key of a map.
MUTATIONS: list[tuple[str, str, str, str, object, str, str]] = [
    ("get_template_list", "request.gateway", "/bk_biz_id", "remove", None, "bk_biz_id", "required"),
    (
        "get_template_list",
        "request.gateway",
        "/include_labels",
        "set",
        "maybe",
        "include_labels",
        "enum",
    ),
    ("get_template_list", "request.esb", "/bk_biz_id", "set", "7a", "bk_biz_id", "pattern"),
    ("get_template_list", "request.esb", "/id_in", "set", "12,x", "id_in", "pattern"),
    ("get_template_list", "response.today", "/data/0/name", "remove", None, "name", "required"),
    (
        "get_template_list",
        "response.today",
        "/data/0/auth_actions",
        "remove",
        None,
        "auth_actions",
        "required",
    ),
    ("get_template_list", "response.today", "/data/0/id", "set", "12", "id", "type"),
    ("get_template_list", "response.today", "/data/1/category", "set", "Ops", "category", "enum"),
    ("get_template_list", "response.today", "/data/0/labels/0/color", "set", 3, "color", "type"),
    (
        "get_template_list",
        "response.doc2018",
        "/data/2/editor",
        "remove",
        None,
        "editor",
        "required",
    ),
    (
        "get_template_info",
        "request.gateway",
        "/template_id",
        "remove",
        None,
        "template_id",
        "required",
    ),
    ("get_template_info", "request.gateway", "/format", "set", "xml", "format", "enum"),
    (
        "get_template_info",
        "response.today",
        "/data/pipeline_tree",
        "remove",
        None,
        "pipeline_tree",
        "required",
    ),
    (
        "get_template_info",
        "response.today",
        "/data/pipeline_tree/start_event/outgoing",
        "remove",
        None,
        "outgoing",
        "required",
    ),
    (
        "get_template_info",
        "response.today",
        "/data/pipeline_tree/flows/*/is_default",
        "set",
        "no",
        "is_default",
        "type",
    ),
    (
        "get_template_info",
        "response.today",
        "/data/pipeline_tree/constants/*/show_type",
        "set",
        "visible",
        "show_type",
        "enum",
    ),
    (
        "get_template_info",
        "response.today",
        "/data/pipeline_tree/activities/*/type",
        "set",
        "Task",
        "type",
        "enum",
    ),
    (
        "get_template_info",
        "response.today",
        "/data/pipeline_tree/gateways/*/conditions",
        "remove",
        None,
        "conditions",
        "required",
    ),
    (
        "get_template_info",
        "response.today",
        "/data/template_constants/0/activity_count",
        "set",
        -1,
        "activity_count",
        "minimum",
    ),
    (
        "get_template_info",
        "response.doc2018",
        "/data/edit_time",
        "set",
        "2018-04-27T16:24:24",
        "edit_time",
        "pattern",
    ),
    ("create_task", "request.minimal", "/name", "remove", None, "name", "required"),
    ("create_task", "request.minimal", "/name", "set", "", "name", "minLength"),
    ("create_task", "request.minimal", "/name", "set", "n" * 101, "name", "maxLength"),
    ("create_task", "request.esb", "/flow_type", "set", "daily", "flow_type", "enum"),
    ("create_task", "request.esb", "/constants", "set", [], "constants", "type"),
    (
        "create_task",
        "request.schemes",
        "/template_schemes_id",
        "set",
        0,
        "template_schemes_id",
        "minimum",
    ),
    (
        "create_task",
        "request.schemes",
        "/callback_url",
        "set",
        "ftp://example.org",
        "callback_url",
        "pattern",
    ),
    ("create_task", "response.today", "/data/task_id", "remove", None, "task_id", "required"),
    ("create_task", "response.today", "/data/task_url", "set", 31, "task_url", "type"),
    (
        "create_task",
        "response.today",
        "/data/pipeline_tree",
        "remove",
        None,
        "pipeline_tree",
        "required",
    ),
    ("create_task", "response.doc2018", "/data/task_id", "set", "10", "task_id", "type"),
    ("start_task", "request.empty-body", "/task_id", "remove", None, "task_id", "required"),
    ("start_task", "request.empty-body", "/task_id", "set", -3, "task_id", "minimum"),
    ("start_task", "response.today", "/task_url", "remove", None, "task_url", "required"),
    ("start_task", "response.today", "/data/task_url", "set", None, "task_url", "type"),
    ("start_task", "response.error", "/code", "set", 3549999, "code", "enum"),
    ("start_task", "response.error", "/message", "remove", None, "message", "required"),
    ("operate_task", "request.pause", "/action", "remove", None, "action", "required"),
    ("operate_task", "request.pause", "/task_id", "set", [31], "task_id", "type"),
    ("operate_task", "request.pause", "/action", "set", "stop", "action", "enum"),
    ("operate_task", "response.today", "/message", "set", "ok", "message", "const"),
    ("operate_task", "response.today", "/message", "remove", None, "message", "required"),
    ("operate_task", "response.today", "/data", "set", {}, "data", "not"),
    ("get_task_status", "request.gateway", "/with_ex_data", "set", 1, "with_ex_data", "type"),
    (
        "get_task_status",
        "response.today",
        "/data/children/*/loop",
        "remove",
        None,
        "loop",
        "required",
    ),
    (
        "get_task_status",
        "response.today",
        "/data/children/*/state",
        "set",
        "PAUSED",
        "state",
        "enum",
    ),
    ("get_task_status", "response.today", "/data/retry", "set", "0", "retry", "type"),
    (
        "get_task_status",
        "response.today",
        "/data/parent_id",
        "remove",
        None,
        "parent_id",
        "dependentRequired",
    ),
    (
        "get_task_status",
        "response.today",
        "/data/finish_time",
        "set",
        "2024-05-06",
        "finish_time",
        "pattern",
    ),
    ("get_task_status", "response.today", "/message", "remove", None, "message", "required"),
    ("get_task_status", "response.today-created", "/data/skip", "set", False, "skip", "const"),
    ("get_task_status", "response.today-expired", "/data/name", "set", 3, "name", "type"),
    ("query_task_count", "request.status", "/group_by", "remove", None, "group_by", "required"),
    ("query_task_count", "request.status", "/group_by", "set", "day", "group_by", "enum"),
    (
        "query_task_count",
        "request.esb",
        "/conditions/is_started",
        "set",
        "yes",
        "is_started",
        "type",
    ),
    ("query_task_count", "response.today", "/data/total", "remove", None, "total", "required"),
    ("query_task_count", "response.today", "/data/groups/0/value", "set", "2", "value", "type"),
    ("query_task_count", "response.doc2018", "/data/groups/0/value", "set", -1, "value", "minimum"),
]


@pytest.mark.parametrize(
    ("op", "name", "pointer", "action", "value", "field", "keyword"),
    MUTATIONS,
    ids=[f"{m[0]}-{m[1]}-{m[3]}{m[2]}" for m in MUTATIONS],
)
def test_mutated_example_is_rejected_naming_the_field(
    op, name, pointer, action, value, field, keyword
):
    instance = mutate(example(op, name), pointer, action, value)
    failure = schemas.validate(op, name.partition(".")[0], instance)
    assert failure is not None
    assert (failure.field, failure.validator) == (field, keyword)


def test_every_operation_is_mutated_in_each_way():
    """A removed required field, a wrong type and a value outside a closed set, per operation."""
    ways = {"required": "removed", "type": "wrong type", "enum": "outside", "const": "outside"}
    covered: dict[str, set[str]] = {op: set() for op in schemas.operation_names()}
    for op, *_, keyword in MUTATIONS:
        if keyword in ways:
            covered[op].add(ways[keyword])
    assert covered == {op: {"removed", "wrong type", "outside"} for op in covered}
