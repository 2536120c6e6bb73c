"""Broken variants of the stored examples are rejected, and the error names the broken field."""

from __future__ import annotations

from typing import Any

import pytest

import schemas

from .mutations_today import TODAY_MUTATIONS
from .schema_helpers import REMOVE, example, mutate

# operation -> (example, JSON pointer, new value or REMOVE, field named, keyword failing).
# "*" in a pointer stands for the first key of a map (node ids are not worth spelling out).
TREE = "/data/pipeline_tree"
MUTATIONS: dict[str, list[tuple[str, str, Any, str, str]]] = {
    "get_template_list": [
        ("request.gateway", "/bk_biz_id", REMOVE, "bk_biz_id", "required"),
        ("request.gateway", "/include_labels", "maybe", "include_labels", "enum"),
        ("request.esb", "/bk_biz_id", "7a", "bk_biz_id", "pattern"),
        ("request.esb", "/id_in", "12,x", "id_in", "pattern"),
        ("response.today", "/data/0/name", REMOVE, "name", "required"),
        ("response.today", "/data/0/auth_actions", REMOVE, "auth_actions", "required"),
        ("response.today", "/data/0/id", "12", "id", "type"),
        ("response.today", "/data/1/category", "Ops", "category", "enum"),
        ("response.today", "/data/0/labels/0/color", 3, "color", "type"),
        ("response.doc2018", "/data/2/editor", REMOVE, "editor", "required"),
    ],
    "get_template_info": [
        ("request.gateway", "/template_id", REMOVE, "template_id", "required"),
        ("request.gateway", "/format", "xml", "format", "enum"),
        ("response.today", "/data/pipeline_tree", REMOVE, "pipeline_tree", "required"),
        ("response.today", TREE + "/start_event/outgoing", REMOVE, "outgoing", "required"),
        ("response.today", TREE + "/flows/*/is_default", "no", "is_default", "type"),
        ("response.today", TREE + "/constants/*/show_type", "visible", "show_type", "enum"),
        ("response.today", TREE + "/activities/*/type", "Task", "type", "enum"),
        ("response.today", TREE + "/gateways/*/conditions", REMOVE, "conditions", "required"),
        ("response.today", "/data/template_constants/0/key", "mode", "key", "pattern"),
        ("response.doc2018", "/data/edit_time", "2018-04-27T16:24:24", "edit_time", "pattern"),
    ],
    "create_task": [
        ("request.minimal", "/name", REMOVE, "name", "required"),
        ("request.minimal", "/name", "", "name", "minLength"),
        ("request.minimal", "/name", "n" * 101, "name", "maxLength"),
        ("request.esb", "/flow_type", "daily", "flow_type", "enum"),
        ("request.esb", "/constants", [], "constants", "type"),
        ("request.schemes", "/template_schemes_id", 0, "template_schemes_id", "minimum"),
        ("request.schemes", "/callback_url", "ftp://example.org", "callback_url", "pattern"),
        ("response.today", "/data/task_id", REMOVE, "task_id", "required"),
        ("response.today", "/data/task_url", 31, "task_url", "type"),
        ("response.today", "/data/pipeline_tree", REMOVE, "pipeline_tree", "required"),
        ("response.doc2018", "/data/task_id", "10", "task_id", "type"),
    ],
    "start_task": [
        ("request.empty-body", "/task_id", REMOVE, "task_id", "required"),
        ("request.empty-body", "/task_id", -3, "task_id", "minimum"),
        ("response.today", "/task_url", REMOVE, "task_url", "required"),
        ("response.today", "/data/task_url", None, "task_url", "type"),
        ("response.error", "/code", 3549999, "code", "enum"),
        ("response.error", "/message", REMOVE, "message", "required"),
    ],
    "operate_task": [
        ("request.pause", "/action", REMOVE, "action", "required"),
        ("request.pause", "/task_id", [31], "task_id", "type"),
        ("request.pause", "/action", "stop", "action", "enum"),
        ("response.today", "/message", "ok", "message", "const"),
        ("response.today", "/message", REMOVE, "message", "required"),
        ("response.today", "/data", {}, "data", "not"),
    ],
    "get_task_status": [
        ("request.gateway", "/with_ex_data", 1, "with_ex_data", "type"),
        ("response.today", "/data/children/*/loop", REMOVE, "loop", "required"),
        ("response.today", "/data/children/*/state", "PAUSED", "state", "enum"),
        ("response.today", "/data/retry", "0", "retry", "type"),
        ("response.today", "/data/parent_id", REMOVE, "parent_id", "dependentRequired"),
        ("response.today", "/data/finish_time", "2024-05-06", "finish_time", "pattern"),
        ("response.today", "/message", REMOVE, "message", "required"),
        ("response.today-created", "/data/skip", False, "skip", "const"),
        ("response.today-expired", "/data/name", 3, "name", "type"),
    ],
    "query_task_count": [
        ("request.status", "/group_by", REMOVE, "group_by", "required"),
        ("request.status", "/group_by", "day", "group_by", "enum"),
        ("request.esb", "/conditions/is_started", "yes", "is_started", "type"),
        ("response.today", "/data/total", REMOVE, "total", "required"),
        ("response.today", "/data/groups/0/value", "2", "value", "type"),
        ("response.doc2018", "/data/groups/0/value", -1, "value", "minimum"),
    ],
}
MUTATIONS.update(TODAY_MUTATIONS)
CASES = [(op, *row) for op, rows in MUTATIONS.items() for row in rows]


@pytest.mark.parametrize(
    ("op", "name", "pointer", "value", "field", "keyword"),
    CASES,
    ids=[f"{op}-{name}-{pointer}" for op, name, pointer, *_ in CASES],
)
def test_mutated_example_is_rejected_naming_the_field(op, name, pointer, value, field, keyword):
    instance = mutate(example(op, name), pointer, value)
    failure = schemas.validate(op, name.partition(".")[0], instance)
    assert failure is not None
    assert (failure.field, failure.validator) == (field, keyword)


def test_every_operation_is_mutated_in_each_way():
    """A removed required field, a wrong type and a value outside a closed set, per operation."""
    ways = {"required": "removed", "type": "wrong type", "enum": "outside", "const": "outside"}
    covered = {
        op: {ways[row[-1]] for row in rows if row[-1] in ways} for op, rows in MUTATIONS.items()
    }
    assert covered == {op: {"removed", "wrong type", "outside"} for op in schemas.operation_names()}
