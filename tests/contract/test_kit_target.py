"""The contract kit's plumbing: URL families, ids and credentials, curl lines, wire reads."""

from __future__ import annotations

import json
import shlex

import httpx
import pytest

from contract_tests.client import Exchange
from contract_tests.target import Credentials, Target, detect_family, is_destructive
from contract_tests.wire import input_errors, read_wire
from schemas import OPERATIONS, operation

CREDS = Credentials(app_code="app", app_secret="S3CRET", bk_token="T0KEN", username="admin")


@pytest.mark.parametrize(
    ("url", "family"),
    [
        ("http://127.0.0.1:8000", "backend"),
        ("https://sops.example.com/o/bk_sops", "backend"),
        ("https://bkapi.example.com/api/bk-sops/prod", "gateway"),
        ("https://bkapi.example.com/api/bk-sops/stag/", "gateway"),
        ("https://paas.example.com/api/c/compapi/v2/sops", "esb"),
        ("https://paas.example.com/api/c/compapi/sops/", "esb"),
    ],
)
def test_family_is_detected_from_the_base_url(url, family):
    assert detect_family(url) == family


def test_only_reading_operations_are_safe_on_a_real_deployment():
    destructive = {op.name for op in OPERATIONS if is_destructive(op)}
    assert {"create_task", "start_task", "operate_task"} <= destructive
    assert not {"get_template_list", "get_task_status", "query_task_count"} & destructive
    assert all(is_destructive(op) for op in OPERATIONS if op.name.startswith(("create", "start")))


def _route(family, op_name, query=None, body=None, has_body=False, base="http://h"):
    target = Target(base_url=base, family=family, in_process=False, credentials=CREDS)
    op = operation(op_name)
    ids = {"task_id": 7, "bk_biz_id": 2, "template_id": 31}
    return target, target.route(op, op.method, ids, query or {}, body, has_body)


def test_backend_and_gateway_carry_ids_in_the_path_and_credentials_in_the_header():
    target, request = _route("backend", "get_task_status", {"with_ex_data": "1"})
    assert target.url(request) == "http://h/apigw/get_task_status/7/2/"
    assert request.query == {"with_ex_data": "1", "scope": "cmdb_biz"}
    assert json.loads(request.headers["X-Bkapi-Authorization"]) == CREDS.as_params()
    target, request = _route(
        "gateway",
        "operate_task",
        body={"action": "pause"},
        has_body=True,
        base="https://gw/api/bk-sops/prod",
    )
    assert target.url(request) == "https://gw/api/bk-sops/prod/operate_task/7/2/"
    assert json.loads(request.content()) == {"action": "pause", "scope": "cmdb_biz"}


def test_esb_carries_ids_and_credentials_as_parameters():
    target, request = _route("esb", "get_task_status", base="https://paas/api/c/compapi/v2/sops")
    assert target.url(request) == "https://paas/api/c/compapi/v2/sops/get_task_status/"
    assert request.query["task_id"] == "7" and request.query["bk_app_secret"] == "S3CRET"
    assert "X-Bkapi-Authorization" not in request.headers
    _, request = _route("esb", "start_task")  # no body generated: ids still travel in one
    assert json.loads(request.content()) == {"task_id": 7, "bk_biz_id": 2, **CREDS.as_params()}


def test_a_broken_body_is_sent_as_it_is():
    target = Target(family="esb", credentials=CREDS)
    op = operation("operate_task")
    request = target.route(
        op, "POST", {"task_id": 1, "bk_biz_id": 2}, {}, None, True, body_bytes=b"{not json"
    )
    assert request.content() == b"{not json"


def test_curl_reproduces_the_request_without_showing_secrets():
    target, request = _route("esb", "create_task", body={"name": "x"}, has_body=True)
    response = httpx.Response(200, json={"result": True})
    exchange = Exchange(operation("create_task"), request, target.url(request), response)
    curl = exchange.curl()
    assert "S3CRET" not in curl and "T0KEN" not in curl
    assert "${BK_APP_SECRET}" in curl and "${BK_TOKEN}" in curl
    words = shlex.split(curl.replace("${BK_APP_SECRET}", "S3CRET").replace("${BK_TOKEN}", "T0KEN"))
    body = json.loads(words[words.index("--data-binary") + 1])
    assert body == json.loads(request.content())


@pytest.mark.parametrize(
    ("method", "query", "ids", "route_ok", "invalid"),
    [
        ("GET", {"with_ex_data": "x"}, {"task_id": 1, "bk_biz_id": 2}, True, []),
        ("GET", {}, {"task_id": "abc", "bk_biz_id": 2}, False, ["task_id"]),
        ("PUT", {}, {"task_id": 1, "bk_biz_id": 2}, False, []),
        # The last of repeated keys is the one bk-sops reads.
        ("GET", {"with_ex_data": ["a", "b"]}, {"task_id": 1, "bk_biz_id": 2}, True, []),
    ],
)
def test_wire_reads_path_ids_and_method(method, query, ids, route_ok, invalid):
    op = operation("get_task_status")
    request = Target().route(op, method, ids, query, None, False)
    wire = read_wire(op, "backend", request, ids)
    assert wire.route_ok is route_ok
    assert [error.field for error in input_errors(op, wire)] == invalid


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        (b"", ["action"]),
        (b"[1, 2]", ["(body)"]),
        (b"{broken", ["(body)"]),
        (b'{"action": "stop"}', ["action"]),
        (b'{"action": "pause"}', []),
    ],
)
def test_wire_judges_the_body_as_sent(content, fields):
    op = operation("operate_task")
    ids = {"task_id": 1, "bk_biz_id": 2}
    request = Target().route(op, "POST", ids, {}, None, bool(content), body_bytes=content or None)
    wire = read_wire(op, "backend", request, ids)
    assert [error.field for error in input_errors(op, wire)] == fields
