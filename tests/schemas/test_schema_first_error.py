"""first_error: the path, field and keyword it reports, and which error it picks."""

from __future__ import annotations

import pytest

import schemas
from schemas import ValidationFailure

from .schema_helpers import example, mutate


def test_valid_instance_has_no_error():
    assert (
        schemas.first_error(
            schemas.validator("start_task", "request"), {"task_id": 1, "bk_biz_id": "2"}
        )
        is None
    )


def test_map_keys_are_bracketed_and_fields_dotted():
    answer = example("get_task_status", "response.today")
    child = next(iter(answer["data"]["children"]))
    answer["data"]["children"][child]["state"] = "PAUSED"
    failure = schemas.validate("get_task_status", "response", answer)
    assert failure is not None
    assert failure.path == f"$.data.children['{child}'].state"
    assert failure.field == "state"


def test_nested_subprocess_children_are_reached():
    answer = example("get_task_status", "response.today")
    sub = next(k for k, v in answer["data"]["children"].items() if v["children"])
    leaf = next(iter(answer["data"]["children"][sub]["children"]))
    answer["data"]["children"][sub]["children"][leaf]["retry"] = -1
    failure = schemas.validate("get_task_status", "response", answer)
    assert failure == ValidationFailure(
        path=f"$.data.children['{sub}'].children['{leaf}'].retry",
        message="-1 is less than the minimum of 0",
        validator="minimum",
        field="retry",
    )


def test_list_items_are_indexed():
    answer = mutate(example("query_task_count", "response.today"), "/data/groups/2/code", "")
    failure = schemas.validate("query_task_count", "response", answer)
    assert failure is not None
    assert (failure.path, failure.field) == ("$.data.groups[2].code", "code")


def test_a_key_that_is_not_an_identifier_is_bracketed():
    answer = mutate(example("get_task_status", "response.today"), "/data/root_id:", 7)
    failure = schemas.validate("get_task_status", "response", answer)
    assert failure is not None
    assert (failure.path, failure.field) == ("$.data['root_id:']", "root_id:")


def test_a_missing_property_is_reported_at_its_parent_and_named():
    answer = mutate(example("create_task", "response.today"), "/data/task_id")
    failure = schemas.validate("create_task", "response", answer)
    assert failure is not None
    assert (failure.path, failure.field, failure.validator) == ("$.data", "task_id", "required")


@pytest.mark.parametrize(
    ("wrong", "field"),
    [("root_id", "root_id"), ("rootId", "rootId")],
)
def test_an_unexpected_key_is_named(wrong, field):
    answer = example("get_task_status", "response.today")
    answer["data"][wrong] = answer["data"].pop("root_id:")
    failure = schemas.validate("get_task_status", "response", answer)
    assert failure is not None
    assert (failure.path, failure.field, failure.validator) == (
        "$.data",
        field,
        "unevaluatedProperties",
    )


def test_a_bad_map_key_is_named():
    tree = example("get_template_info", "response.today")["data"]["pipeline_tree"]
    tree["constants"]["${_env_region}"] = tree["constants"]["${mode}"]
    failure = schemas.first_error(schemas.common_validator("pipeline_tree"), tree)
    assert failure is not None
    assert (failure.path, failure.field, failure.validator) == (
        "$.constants",
        "${_env_region}",
        "pattern",
    )


# The answer's oneOf branches (success / error, not started / expired / tree) must not hide the
# real mistake behind "is not valid under any of the given schemas".
@pytest.mark.parametrize(
    ("op", "name", "pointer", "value", "path"),
    [
        ("get_template_list", "response.today", "/code", 5, "$.code"),
        ("get_template_list", "response.today", "/result", "yes", "$.result"),
        ("get_template_list", "response.error", "/code", 0, "$.code"),
        ("get_task_status", "response.today-created", "/data/retry", 2, "$.data.retry"),
        ("get_task_status", "response.today", "/data/id", 5, "$.data.id"),
        ("get_task_status", "response.error", "/data", {"x": 1}, "$.data"),
    ],
)
def test_the_intended_branch_is_the_one_reported(op, name, pointer, value, path):
    failure = schemas.validate(op, "response", mutate(example(op, name), pointer, value))
    assert failure is not None
    assert failure.validator not in {"oneOf", "anyOf"}
    assert failure.path == path


def test_a_success_with_today_code_must_have_today_fields():
    legacy = example("get_template_list", "response.doc2018")
    assert schemas.validate("get_template_list", "response", legacy) is None
    legacy.update(code=0, trace_id="0af7651916cd43dd8448eb211c80319c")
    failure = schemas.validate("get_template_list", "response", legacy)
    assert failure is not None
    assert (failure.path, failure.field) == ("$.data[0]", "project_id")


def test_code_without_trace_id_is_refused_on_success():
    answer = mutate(example("operate_task", "response.today"), "/trace_id")
    failure = schemas.validate("operate_task", "response", answer)
    assert failure is not None
    assert (failure.field, failure.validator) == ("trace_id", "dependentRequired")
