"""The control API's contract: its schemas, the document generated from them, and real answers
checked against that document (every route, successes and refusals alike)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.testclient import TestClient

import schemas
from mockserver.app import create_app
from mockserver.control import control_routes
from mockserver.control.base import ControlContractError
from mockserver.control.contract import control_ops
from mockserver.control.document import build_document
from mockserver.faults.shapes import KINDS
from mockserver.settings import Settings
from schemas.control_store import control_documents, control_id, control_schema

from .api import Api

BIZ = 2
LINEAR, FETCH = 31, "b4622bc66d53e664e4e764359b19639b"
DOC_URI = "urn:test:control-openapi"


# The schemas -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(control_documents()))
def test_each_control_schema_is_a_valid_2020_12_schema_with_its_id(name):
    document = control_schema(name)
    Draft202012Validator.check_schema(document)
    assert document["$id"] == control_id(name)


def test_every_call_of_the_table_names_schemas_that_exist():
    named = set()
    for op in control_ops():
        named |= {op.body, op.query, *op.answers.values()} - {None}
    assert named <= set(control_documents())
    # Shared pieces are used, not just stored: nothing in the folder is orphaned.
    referenced = {
        ref.removeprefix("urn:sops-mock:control/")
        for ref in _refs([control_schema(n) for n in control_documents()])
    }
    assert set(control_documents()) <= named | referenced | {"common/error"}


def test_the_bk_sops_schemas_and_document_leave_the_control_schemas_out():
    assert not any("control" in uri for uri in schemas.schema_ids())
    bk_sops = schemas.build_openapi()
    assert not any(
        name.startswith(("faults.", "clock.")) for name in bk_sops["components"]["schemas"]
    )


def test_the_operation_names_of_fault_rules_come_from_the_operation_table():
    assert control_schema("common/operation")["enum"] == list(schemas.operation_names())


def _refs(node: Any) -> list[str]:
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    return []


# The generated document -------------------------------------------------------------------
def test_the_generated_document_is_valid_openapi_and_matches_the_routes():
    document = build_document()
    validate(document)
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    served = {
        (method, route.path.replace(":int", ""))  # type: ignore[attr-defined]
        for route in control_routes()
        for method in route.methods - {"HEAD"}  # type: ignore[attr-defined]
    }
    assert documented == served
    window = document["components"]["schemas"]["faults.rule"]["properties"]["window"]
    assert window["properties"]["from"] == {
        "anyOf": [{"$ref": "#/components/schemas/common.time"}, {"type": "null"}]
    }


# Real answers against the document --------------------------------------------------------
def _answer_validator(document: dict[str, Any], path: str, method: str, status: int) -> Any:
    responses = document["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, (method, path, status)
    response = responses[str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource(DOC_URI, resource)
    pointer = {"$ref": DOC_URI + schema["$ref"]}
    return Draft202012Validator(pointer, registry=registry)


def _session(client: TestClient) -> list[tuple[str, str, str, Any]]:
    """(method, document path, concrete path, body) for every control call, in a working order."""
    api = Api(client)
    task = api.ok("create_task", {"template_id": LINEAR, "bk_biz_id": BIZ}, {"name": "c"})
    task_id = task["data"]["task_id"]
    node = next(iter(task["data"]["pipeline_tree"]["activities"]))
    api.ok("get_task_status", {"task_id": task_id, "bk_biz_id": BIZ})
    # A start left waiting in the queue and a callback_url record, so their listings hold items.
    client.put("/__mock__/starts", json={"delay": {"min": 2, "max": 4}})
    hooked = {"name": "h", "callback_url": "http://127.0.0.1:9/hook"}
    waiting = api.ok("create_task", {"template_id": LINEAR, "bk_biz_id": BIZ}, hooked)
    api.ok("start_task", {"task_id": waiting["data"]["task_id"], "bk_biz_id": BIZ})
    comp = "/__mock__/scenarios/components/{code}"
    tnode = "/__mock__/scenarios/templates/{template_id}/nodes/{node_id}"
    knode = "/__mock__/tasks/{task_id}/nodes/{node_id}/scenario"
    rule = "/__mock__/faults/{rule_id}"
    concrete = {
        comp: "/__mock__/scenarios/components/bk_display",
        tnode: f"/__mock__/scenarios/templates/{LINEAR}/nodes/{FETCH}",
        knode: f"/__mock__/tasks/{task_id}/nodes/{node}/scenario",
        "/__mock__/tasks/{task_id}/scenarios": f"/__mock__/tasks/{task_id}/scenarios",
        rule: "/__mock__/faults/slow",
    }
    app_error = {"id": "e", "operations": ["start_task"], "fault": {"kind": "app_error"}}
    calls: list[tuple[str, str, Any]] = [
        ("GET", "/__mock__/health", None),
        ("GET", "/__mock__/starts", None),
        ("GET", "/__mock__/webhooks", None),
        ("GET", "/__mock__/clock", None),
        ("POST", "/__mock__/clock", {"advance": 5}),
        ("GET", "/__mock__/scenarios", None),
        ("PUT", "/__mock__/scenarios", {"components": {"bk_notify": {"duration": 4}}}),
        ("PUT", comp, {"duration": 9, "outputs": {"k": 1}}),
        ("GET", comp, None),
        ("DELETE", comp, None),
        ("PUT", tnode, {"outcome": "fail", "ex_data": "x"}),
        ("GET", tnode, None),
        ("DELETE", tnode, None),
        ("PUT", knode, {"outcome": "callback"}),
        ("DELETE", knode, None),
        ("GET", "/__mock__/tasks/{task_id}/scenarios", None),
        ("POST", "/__mock__/faults", app_error),
        ("PUT", rule, {"latency": {"distribution": "lognormal", "median": 0.1, "sigma": 1}}),
        ("GET", rule, None),
        ("GET", "/__mock__/faults", None),
        ("DELETE", rule, None),
        (
            "PUT",
            "/__mock__/faults",
            {"rules": [app_error, {**app_error, "id": "w", "window": {"seconds": 5}}]},
        ),
        ("DELETE", "/__mock__/faults", None),
        ("GET", "/__mock__/journal", None),
        ("GET", "/__mock__/journal/count", None),
        ("DELETE", "/__mock__/journal", None),
        ("POST", "/__mock__/clock", {"until_idle": True}),
        ("GET", "/__mock__/state", None),
        ("PUT", "/__mock__/state", "STATE"),
        ("PUT", "/__mock__/starts", {"delay": {"min": 0, "max": 0}}),
        ("GET", "/__mock__/caches", None),
        ("PUT", "/__mock__/caches", {"enabled": False}),
        ("DELETE", "/__mock__/caches", None),
        ("GET", "/__mock__/openapi.json", None),
        ("POST", "/__mock__/reset", {"seed": 3}),
    ]
    refused: list[tuple[str, str, Any]] = [
        ("POST", "/__mock__/clock", {"advance": -1}),
        ("POST", "/__mock__/clock", {"to": "9999-12-31T00:00:00+00:00"}),
        ("PUT", comp, {"duration": 1e308}),
        ("GET", rule, None),
        ("POST", "/__mock__/faults", {"fault": {"kind": "http_error", "status": 404}}),
        ("GET", tnode.replace("{template_id}", "999"), None),
        ("PUT", "/__mock__/state", {"format": "other"}),
        ("PUT", "/__mock__/starts", {"delay": {"min": 3, "max": 1}}),
        ("PUT", "/__mock__/starts", {"delay": {"min": 1}, "extra": 1}),
        ("PUT", "/__mock__/caches", {"enabled": "no"}),
    ]
    return [
        (method, doc_path, concrete.get(doc_path, doc_path), body)
        for method, doc_path, body in calls + refused
    ]


def test_every_control_answer_fits_the_generated_document():
    with TestClient(create_app(Settings(clock="virtual", seed=7))) as client:
        document = client.get("/__mock__/openapi.json").json()
        covered = set()
        for method, doc_path, path, body in _session(client):
            if body == "STATE":
                body = client.get("/__mock__/state").json()
            answer = client.request(method, path, json=body)
            assert answer.status_code < 500, (method, path, answer.text)
            template = (
                doc_path if "999" not in doc_path else doc_path.replace("999", "{template_id}")
            )
            checker = _answer_validator(document, template, method, answer.status_code)
            errors = [e.message for e in checker.iter_errors(answer.json())]
            assert errors == [], (method, path, answer.status_code, errors)
            if answer.status_code < 300:
                covered.add((method, template))
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert covered == documented


# --validate-responses covers control answers too ------------------------------------------
@pytest.mark.parametrize("validate_responses", [True, False])
def test_response_validation_catches_a_control_answer_that_drifts(validate_responses):
    settings = Settings(clock="virtual", validate_responses=validate_responses)
    with TestClient(create_app(settings)) as client:
        client.app.state.mock.fixture_name = 5  # type: ignore[attr-defined]
        if validate_responses:
            with pytest.raises(ControlContractError, match="basics/health"):
                client.get("/__mock__/health")
        else:
            assert client.get("/__mock__/health").json()["fixture"] == 5


def test_refusals_name_the_field_in_the_control_error_shape(client):
    answer = client.post("/__mock__/faults", json={"fault": {"kind": "app_error", "code": 0}})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "invalid_rule",
        "message": "fault.code: must be a non-zero integer (32 bits)",
        "field": "fault.code",
    }
    nested = client.put("/__mock__/faults", json={"rules": [{"latency": {"seconds": 700}}]})
    assert nested.json()["field"] == "rules[0].latency.seconds"
    assert nested.json()["error"] == "invalid_rules"


def test_head_reads_like_get(client):
    for path in ("/__mock__/health", "/__mock__/faults", "/__mock__/scenarios/components/x"):
        answer = client.head(path)
        assert answer.status_code == 200 and answer.content == b"", path


def test_the_fault_schema_lists_every_kind_the_mock_injects():
    assert control_documents()["faults/fault"]["properties"]["kind"]["enum"] == list(KINDS)
