"""The generated OpenAPI document: valid 3.1, self-contained, and what schemathesis reads."""

from __future__ import annotations

import datetime
import json
from typing import Any

import httpx
import openapi_spec_validator
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

import schemas
from schemas.openapi import COMPONENTS

from .schema_helpers import example, mutate

OPERATION_IDS = set(schemas.operation_names())
RESPONSE_EXAMPLES = [
    (op, name, instance)
    for op in schemas.operation_names()
    for kind, name, instance in schemas.examples(op)
    if kind == "response"
]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return schemas.build_openapi()


@pytest.fixture(scope="module")
def loaded(doc):
    return schemathesis.openapi.from_dict(doc)


def operations_of(doc: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        body["operationId"]: (path, method, body)
        for path, item in doc["paths"].items()
        for method, body in item.items()
    }


def refs(node: Any) -> list[str]:
    if isinstance(node, list):
        return [ref for item in node for ref in refs(item)]
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in refs(value)]
    return []


def as_response(body: dict[str, Any], status: int = 200) -> httpx.Response:
    response = httpx.Response(status, json=body, request=httpx.Request("GET", "http://127.0.0.1/"))
    response.elapsed = datetime.timedelta(0)
    return response


def test_document_passes_the_openapi_validator(doc):
    openapi_spec_validator.validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"


def test_schemathesis_finds_exactly_the_operations_of_the_table(loaded):
    found = [result.ok() for result in loaded.get_all_operations()]
    assert sorted(op.definition.raw["operationId"] for op in found) == sorted(OPERATION_IDS)
    labels = {op.label for op in found}
    assert labels == {f"{op.method} {op.path()}" for op in schemas.OPERATIONS}


def test_no_urn_is_left_and_every_ref_points_into_the_components(doc):
    assert "urn:" not in json.dumps(doc)
    names = set(doc["components"]["schemas"])
    for ref in refs(doc):
        assert ref.startswith(COMPONENTS)
        assert ref.removeprefix(COMPONENTS) in names


def test_recursive_structures_stay_references(doc):
    components = doc["components"]["schemas"]
    children = components["common.status_tree.node_fields"]["properties"]["children"]
    assert children["additionalProperties"] == {"$ref": COMPONENTS + "common.status_tree.node"}
    nested = components["common.pipeline_tree.subprocess"]["properties"]["pipeline"]
    assert nested["$ref"] == COMPONENTS + "common.pipeline_tree"


def test_build_is_deterministic_and_leaves_the_loaded_schemas_alone():
    before = json.dumps(schemas.schema("get_task_status", "response"), sort_keys=True)
    first, second = schemas.build_openapi(), schemas.build_openapi()
    assert json.dumps(first) == json.dumps(second)
    assert list(first["components"]["schemas"]) == sorted(first["components"]["schemas"])
    assert json.dumps(schemas.schema("get_task_status", "response"), sort_keys=True) == before


@pytest.mark.parametrize("op", schemas.OPERATIONS, ids=lambda op: op.name)
def test_operation_sits_on_its_backend_path_with_integer_path_ids(doc, op):
    path, method, body = operations_of(doc)[op.name]
    assert (path, method) == (op.path(), op.method.lower())
    in_path = [p for p in body["parameters"] if p["in"] == "path"]
    assert [p["name"] for p in in_path] == list(op.path_ids)
    assert all(p["required"] and p["schema"] == {"type": "integer", "minimum": 0} for p in in_path)


@pytest.mark.parametrize("op", schemas.OPERATIONS, ids=lambda op: op.name)
def test_other_request_properties_become_query_or_body(doc, op):
    _, _, body = operations_of(doc)[op.name]
    request = schemas.schema(op.name, "request")
    others = [name for name in request["properties"] if name not in op.path_ids]
    required = set(request["required"]) - set(op.path_ids)
    query = {p["name"]: p["required"] for p in body["parameters"] if p["in"] == "query"}
    if op.method == "GET":
        assert "requestBody" not in body
        assert query == {name: name in required for name in others}
    else:
        assert query == {}
        content = body["requestBody"]["content"]["application/json"]["schema"]
        assert list(content["properties"]) == others
        assert set(content.get("required", [])) == required
        assert body["requestBody"]["required"] is bool(required)


def test_start_task_accepts_an_empty_body(doc):
    _, _, body = operations_of(doc)["start_task"]
    assert body["requestBody"]["required"] is False


@pytest.mark.parametrize("op", schemas.OPERATIONS, ids=lambda op: op.name)
def test_responses_are_the_answer_and_the_gateway_error(doc, op):
    responses = operations_of(doc)[op.name][2]["responses"]
    assert set(responses) == {"200", "4XX"}
    ok = responses["200"]["content"]["application/json"]["schema"]
    gateway = responses["4XX"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": f"{COMPONENTS}{op.name}.response"}
    assert gateway == {"$ref": f"{COMPONENTS}common.gateway_error"}


def test_create_task_links_to_the_task_operations(doc, loaded):
    links = operations_of(doc)["create_task"][2]["responses"]["200"]["links"]
    expected = {"StartTask": "start_task", "OperateTask": "operate_task"}
    expected["GetTaskStatus"] = "get_task_status"
    expected["GetTaskDetail"] = "get_task_detail"
    expected["GetTaskNodeDetail"] = "get_task_node_detail"
    expected["GetTaskNodeData"] = "get_task_node_data"
    expected["OperateNode"] = "operate_node"
    expected["NodeCallback"] = "node_callback"
    expected["ModifyConstantsForTask"] = "modify_constants_for_task"
    expected["ClaimFunctionalizationTask"] = "claim_functionalization_task"
    expected["GetTaskOperateRecord"] = "get_task_operate_record"
    expected["GetTaskNodeLog"] = "get_task_node_log"
    assert {name: link["operationId"] for name, link in links.items()} == expected
    task = {"task_id": "$response.body#/data/task_id", "bk_biz_id": "$request.path.bk_biz_id"}
    node = {**task, "node_id": "$response.body#/data/pipeline_tree/start_event/id"}
    for name, link in links.items():
        assert link["parameters"] == (node if name.startswith("GetTaskNode") else task)
    targets = {
        f"{schemas.operation(t).method} {schemas.operation(t).path()}" for t in expected.values()
    }
    targets |= {
        f"GET {schemas.operation(t).path()}"
        for t in ("get_common_template_info", "get_user_project_detail")
    }
    assert loaded.operations_with_incoming_links() == targets


@pytest.mark.parametrize(
    ("op", "name", "instance"),
    RESPONSE_EXAMPLES,
    ids=[f"{op}-{name}" for op, name, _ in RESPONSE_EXAMPLES],
)
def test_schemathesis_accepts_every_stored_answer(loaded, op, name, instance):
    assert loaded.find_operation_by_id(op).is_valid_response(as_response(instance))


@pytest.mark.parametrize(
    ("op", "name", "pointer", "value"),
    [
        ("get_task_status", "response.today", "/data/children/*/state", "PAUSED"),
        ("get_task_status", "response.today", "/data/root_id", "n0"),
        ("get_template_info", "response.today", "/data/pipeline_tree/constants/${_env_x}", {}),
        ("create_task", "response.today", "/data/task_url", "http://x/"),
        ("operate_task", "response.today", "/data", {}),
    ],
)
def test_schemathesis_rejects_broken_answers(loaded, op, name, pointer, value):
    broken = mutate(example(op, name), pointer, value)
    assert schemas.validate(op, "response", broken) is not None
    assert not loaded.find_operation_by_id(op).is_valid_response(as_response(broken))


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        (
            {
                "code_name": "INVALID_ARGS",
                "code": 1640001,
                "result": False,
                "message": "m",
                "data": None,
            },
            True,
        ),
        ({"result": False, "code": 3540000, "message": "m"}, False),
    ],
)
def test_schemathesis_checks_gateway_errors_on_4xx(loaded, body, ok):
    operation = loaded.find_operation_by_id("get_task_status")
    assert operation.is_valid_response(as_response(body, 401)) is ok


@pytest.mark.parametrize("op", sorted(OPERATION_IDS))
def test_schemathesis_generates_requests_the_request_schema_accepts(loaded, op):
    seen = []

    @given(loaded.find_operation_by_id(op).as_strategy(schemathesis.GenerationMode.POSITIVE))
    @settings(
        max_examples=5,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def draw(case):
        merged = dict(case.path_parameters or {})
        merged.update(case.query or {})
        if isinstance(case.body, dict):
            merged.update(case.body)
        seen.append(schemas.validate(op, "request", merged))

    draw()
    assert seen and all(failure is None for failure in seen)
