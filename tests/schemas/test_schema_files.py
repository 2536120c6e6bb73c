"""Every schema is a valid 2020-12 schema, every $ref resolves in the one registry, and every
stored example validates."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

import schemas
from schemas.loader import schema_id

from .schema_helpers import example

# The 2018 doc covers the first seven operations; the others store today's docs' example.
SEED = (
    "get_template_list",
    "get_template_info",
    "create_task",
    "start_task",
    "operate_task",
    "get_task_status",
    "query_task_count",
)
# bk-sops's DRF views (api_view, no return_json_response): their successes carry no code/trace_id.
DRF_VIEWS = ("get_task_node_log", "get_node_job_executed_log")
REQUIRED_EXAMPLES = ("response.doc2018", "response.today", "response.error")
REQUIRED_TODAY_ONLY = ("response.docs", "response.today", "response.error")
ALL_EXAMPLES = [
    (op, kind, name, instance)
    for op in schemas.operation_names()
    for kind, name, instance in schemas.examples(op)
]


def _refs(node: Any) -> list[str]:
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    return []


@pytest.mark.parametrize("uri", schemas.schema_ids())
def test_schema_is_a_valid_draft_2020_12_schema(uri):
    document = schemas.schema_by_id(uri)
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("uri", schemas.schema_ids())
def test_every_ref_resolves_through_the_registry(uri):
    resolver = schemas.registry().resolver(base_uri=uri)
    refs = _refs(schemas.schema_by_id(uri))
    unresolved = []
    for ref in refs:
        try:
            resolver.lookup(ref)
        except Unresolvable:
            unresolved.append(ref)
    assert unresolved == []


def test_refs_point_only_inside_the_package():
    every = [ref for uri in schemas.schema_ids() for ref in _refs(schemas.schema_by_id(uri))]
    outside = [ref for ref in every if not ref.startswith(("#", "urn:sops-mock:"))]
    assert len(every) > 100
    assert outside == []


@pytest.mark.parametrize("op", schemas.operation_names())
def test_each_operation_has_a_request_and_a_response_schema(op):
    for kind in schemas.KINDS:
        assert schemas.schema(op, kind)["$id"] == schema_id(op, kind)


def test_schema_folders_and_table_rows_match():
    folders = {uri.removeprefix("urn:sops-mock:").split("/")[0] for uri in schemas.schema_ids()}
    # common: shared definitions; control: the control API's bodies (not bk-sops operations).
    assert folders - {"common", "control"} == set(schemas.operation_names())


@pytest.mark.parametrize("op", schemas.operation_names())
def test_each_operation_stores_the_required_examples(op):
    names = {f"{kind}.{name}" for kind, name, _ in schemas.examples(op)}
    assert set(REQUIRED_EXAMPLES if op in SEED else REQUIRED_TODAY_ONLY) <= names
    assert any(name.startswith("request.") for name in names)


@pytest.mark.parametrize(
    ("op", "kind", "name", "instance"),
    ALL_EXAMPLES,
    ids=[f"{op}-{kind}.{name}" for op, kind, name, _ in ALL_EXAMPLES],
)
def test_stored_example_validates(op, kind, name, instance):
    assert schemas.validate(op, kind, instance) is None


@pytest.mark.parametrize("op", schemas.operation_names())
def test_today_examples_carry_code_and_trace_id_and_2018_ones_do_not(op):
    today = example(op, "response.today")
    if op in DRF_VIEWS:
        assert "code" not in today and "trace_id" not in today
        return
    assert today["code"] == 0 and today["trace_id"]
    if op in SEED:
        legacy = example(op, "response.doc2018")
        assert "code" not in legacy and "trace_id" not in legacy


@pytest.mark.parametrize("op", schemas.operation_names())
def test_error_example_is_a_documented_error(op):
    error = example(op, "response.error")
    assert error["result"] is False
    assert (
        error["code"]
        in schemas.schema_by_id("urn:sops-mock:common/envelope")["$defs"]["error_code"]["enum"]
    )


def test_returned_schemas_are_copies():
    first = schemas.schema("create_task", "request")
    first["properties"].clear()
    assert schemas.schema("create_task", "request")["properties"]


def test_validators_are_built_once():
    assert schemas.validator("get_task_status", "response") is schemas.validator(
        "get_task_status", "response"
    )
    assert schemas.common_validator("pipeline_tree") is schemas.common_validator("pipeline_tree")


@pytest.mark.parametrize(
    "call",
    [
        lambda: schemas.validator("no_such_op", "request"),
        lambda: schemas.schema("create_task", "reply"),  # type: ignore[arg-type]
        lambda: schemas.common_validator("nothing"),
    ],
    ids=["unknown-operation", "unknown-kind", "unknown-common"],
)
def test_unknown_names_are_refused(call):
    with pytest.raises((LookupError, ValueError)):
        call()
