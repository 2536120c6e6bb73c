"""Fault rules over HTTP: answers, latency through the app's sleeper, the rule API, and drops."""

from __future__ import annotations

import json
import logging
import socket
from datetime import datetime, timedelta

import pytest
import requests
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.running import RunningMock
from mockserver.settings import Settings
from mockserver.wirefaults import ConnectionDropped

from .api import AUTH_HEADER, Api

BIZ = 2


# Over HTTP (in process) -------------------------------------------------------------------------
def add(client, rule: dict, status: int = 201) -> dict:
    answer = client.post("/__mock__/faults", json=rule)
    assert answer.status_code == status, answer.text
    return answer.json()


def test_an_app_error_replaces_the_answer_and_the_handler_does_not_run(api, client):
    add(client, {"operations": ["create_task"], "times": 1, "fault": {"kind": "app_error"}})
    answer = api.call("create_task", {"template_id": 30, "bk_biz_id": BIZ}, {"name": "x"})
    assert answer["result"] is False and answer["code"] == 3599999 and answer["data"] is None
    assert answer["message"] == "sops-mock injected fault (rule rule-1)"
    assert len(answer["trace_id"]) == 32
    counted = api.ok("query_task_count", {"bk_biz_id": BIZ}, {"group_by": "status"})
    assert counted["data"]["total"] == 0
    assert api.ok("create_task", {"template_id": 30, "bk_biz_id": BIZ}, {"name": "y"})


@pytest.mark.parametrize("given", [{}, {"message": ""}])
def test_the_listing_shows_the_app_error_text_that_is_sent(api, client, given):
    added = add(client, {"id": "quiet", "fault": {"kind": "app_error", **given}})
    listed = client.get("/__mock__/faults/quiet").json()["fault"]["message"]
    assert added["fault"]["message"] == listed == "sops-mock injected fault (rule quiet)"
    answer = api.call("get_template_list", {"bk_biz_id": BIZ})
    assert answer["message"] == listed
    kept = client.get("/__mock__/state").json()["faults"]["rules"][0]["fault"]["message"]
    assert kept == listed


def test_app_errors_carry_the_given_code_and_message(api, client):
    fault = {"kind": "app_error", "code": 3540100, "message": "no permission"}
    add(client, {"operations": ["get_template_list"], "fault": fault})
    answer = api.call("get_template_list", {"bk_biz_id": BIZ})
    assert (answer["code"], answer["message"]) == (3540100, "no permission")


@pytest.mark.parametrize(
    ("fault", "content_type", "text"),
    [
        ({"kind": "http_error"}, "text/plain", "Service Unavailable"),
        ({"kind": "http_error", "status": 429}, "text/plain", "Too Many Requests"),
        ({"kind": "http_error", "status": 502, "body": {"m": 1}}, "application/json", '{"m":1}'),
    ],
)
def test_http_errors_answer_with_their_status(api, client, fault, content_type, text):
    add(client, {"fault": fault})
    answer = api.raw("get_template_list", {"bk_biz_id": BIZ})
    assert answer.status_code == fault.get("status", 503)
    assert answer.headers["content-type"].startswith(content_type) and answer.text == text
    assert "Sops-Trace-Id" in answer.headers


def test_latency_waits_through_the_app_sleeper_and_is_journaled(app, api, client):
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    app.state.mock.sleep = record
    add(client, {"operations": ["get_template_list"], "latency": {"seconds": 1.5}})
    add(client, {"latency": {"distribution": "uniform", "min": 0.1, "max": 0.2}, "after": 1})
    for _ in range(3):
        api.ok("get_template_list", {"bk_biz_id": BIZ})
    api.ok("query_task_count", {"bk_biz_id": BIZ}, {"group_by": "status"})
    entries = client.get("/__mock__/journal").json()["entries"]
    assert [e["latency"] for e in entries] == waited
    assert waited[0] == 1.5 and all(1.6 <= w <= 1.7 for w in waited[1:3])
    assert 0.1 <= waited[3] <= 0.2
    assert [e["rules"] for e in entries][:2] == [["rule-1"], ["rule-1", "rule-2"]]


def test_no_rule_no_wait(app, api):
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    app.state.mock.sleep = record
    api.ok("get_template_list", {"bk_biz_id": BIZ})
    assert waited == []


def run_script(seed: int) -> list[tuple]:
    settings = Settings(clock="virtual", validate_responses=True, seed=seed)
    app = create_app(settings)

    async def no_wait(seconds: float) -> None:
        return None

    app.state.mock.sleep = no_wait
    with TestClient(app) as client:
        api = Api(client)
        add(
            client,
            {"probability": 0.3, "operations": ["get_task_status"], "fault": {"kind": "app_error"}},
        )
        add(client, {"probability": 0.2, "fault": {"kind": "http_error"}, "after": 3})
        add(
            client,
            {
                "probability": 0.5,
                "latency": {"distribution": "lognormal", "median": 0.2, "sigma": 0.5},
            },
        )
        created = api.raw("create_task", {"template_id": 31, "bk_biz_id": BIZ}, {"name": "s"})
        task = {"task_id": 1, "bk_biz_id": BIZ}
        api.raw("start_task", task)
        for _ in range(30):
            api.raw("get_task_status", task)
            client.post("/__mock__/clock", json={"advance": 2})
        assert created.status_code in (200, 503)
        entries = client.get("/__mock__/journal").json()["entries"]
    return [(e["operation"], e["status"], e["code"], e["fault"], e["latency"]) for e in entries]


def test_a_seeded_profile_injects_the_same_faults_on_two_runs():
    first, second, other = run_script(21), run_script(21), run_script(22)
    assert first == second
    assert first != other
    assert {"app_error", "http_error", None} <= {row[3] for row in first}


def test_a_drop_in_process_raises_connection_dropped(client):
    add(client, {"fault": {"kind": "drop"}})
    with pytest.raises(ConnectionDropped):
        client.get(f"/apigw/get_template_list/{BIZ}/", headers=AUTH_HEADER)


# Fault rules over the control API ------------------------------------------------------------
def test_rules_are_added_read_replaced_and_removed(client):
    first = add(client, {"fault": {"kind": "drop"}})
    named = add(client, {"id": "slow", "latency": {"seconds": 1}})
    assert (first["id"], named["id"]) == ("rule-1", "slow")
    assert (
        add(client, {"id": "slow", "latency": {"seconds": 2}}, status=409)["error"] == "rule_exists"
    )
    replaced = client.put("/__mock__/faults/slow", json={"latency": {"seconds": 2}, "matched": 99})
    assert replaced.status_code == 200 and replaced.json()["matched"] == 0
    assert client.put("/__mock__/faults/new", json={"fault": {"kind": "reset"}}).status_code == 201
    listed = client.get("/__mock__/faults").json()
    assert [r["id"] for r in listed["rules"]] == ["rule-1", "slow", "new"] and listed["seed"] == 7
    assert client.get("/__mock__/faults/slow").json()["latency"]["seconds"] == 2
    assert client.delete("/__mock__/faults/rule-1").json()["id"] == "rule-1"
    assert client.get("/__mock__/faults/rule-1").status_code == 404
    mismatch = client.put("/__mock__/faults/a", json={"id": "b", "fault": {"kind": "drop"}})
    assert mismatch.status_code == 400
    whole = client.put("/__mock__/faults", json={"rules": [{"fault": {"kind": "drop"}}]}).json()
    assert [r["fault"]["kind"] for r in whole["rules"]] == ["drop"]
    assert client.delete("/__mock__/faults").json()["rules"] == []


@pytest.mark.parametrize(
    ("method", "body", "error"),
    [
        ("POST", [1], "invalid_rule"),
        ("POST", {"fault": {"kind": "nope"}}, "invalid_rule"),
        ("PUT", {"rules": "x"}, "invalid_rules"),
        ("PUT", {"rules": [{"id": "a", "fault": {"kind": "drop"}}] * 2}, "invalid_rules"),
    ],
)
def test_bad_rule_calls_are_refused(client, method, body, error):
    json_type = {"Content-Type": "application/json"}
    answer = client.request(method, "/__mock__/faults", content=json.dumps(body), headers=json_type)
    assert answer.status_code == 400 and answer.json()["error"] == error


def test_rules_count_what_they_saw(api, client):
    add(client, {"operations": ["get_template_list"], "after": 1, "latency": {"seconds": 0}})
    for _ in range(3):
        api.ok("get_template_list", {"bk_biz_id": BIZ})
    rule = client.get("/__mock__/faults/rule-1").json()
    assert (rule["matched"], rule["injected"]) == (3, 2)
    assert datetime.fromisoformat(rule["set_at"]).utcoffset() == timedelta(hours=8)


# Over a real socket ------------------------------------------------------------
@pytest.fixture(scope="module")
def served():
    with RunningMock(validate_responses=True) as mock:
        yield mock


def esb(served: RunningMock, op: str) -> str:
    return f"{served.base_url}/api/c/compapi/v2/sops/{op}/?bk_biz_id={BIZ}"


@pytest.mark.parametrize(("kind", "error"), [("drop", "RemoteDisconnected"), ("reset", "reset")])
def test_a_dropped_connection_sends_nothing(served, caplog, kind, error):
    served.reset()
    served.add_fault(operations=["get_template_list"], times=1, fault={"kind": kind})
    with caplog.at_level(logging.INFO), pytest.raises(requests.ConnectionError) as caught:
        requests.get(esb(served, "get_template_list"), headers=AUTH_HEADER, timeout=10)
    assert error in str(caught.value)
    assert "Exception in ASGI application" not in caplog.text
    assert "without starting response" not in caplog.text
    after = requests.get(esb(served, "get_template_list"), headers=AUTH_HEADER, timeout=10)
    assert after.status_code == 200 and after.json()["result"] is True
    journaled = served.journal(operation="get_template_list")
    assert [(e["status"], e["fault"]) for e in journaled] == [(0, kind), (200, None)]


def test_a_drop_leaves_the_raw_socket_without_a_byte(served):
    served.reset()
    served.add_fault(fault={"kind": "drop"}, times=1)
    with socket.create_connection(("127.0.0.1", int(served.base_url.rsplit(":", 1)[1]))) as raw:
        head = f"GET /apigw/get_template_list/{BIZ}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        raw.sendall(head.encode())
        raw.settimeout(10)
        assert raw.recv(1024) == b""


def test_a_small_real_latency_is_served_and_recorded(served):
    served.reset()
    served.add_fault(operations=["get_template_list"], latency={"seconds": 0.01})
    answer = requests.get(esb(served, "get_template_list"), headers=AUTH_HEADER, timeout=10)
    assert answer.json()["result"] is True
    assert served.journal(operation="get_template_list")[-1]["latency"] == 0.01


def test_an_applied_fault_runs_the_operation_and_loses_its_answer(served):
    served.reset()
    fault = {"kind": "drop", "applied": True}
    served.add_fault(operations=["create_task"], times=1, fault=fault)
    url = f"{served.base_url}/api/c/compapi/v2/sops/create_task/"
    params = {"bk_biz_id": BIZ, "template_id": 30, "name": "lost answer"}
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json=params, headers=AUTH_HEADER, timeout=10)
    retried = requests.post(url, json=params, headers=AUTH_HEADER, timeout=10).json()
    assert retried["data"]["task_id"] == 2  # the first attempt did create task 1
    first = served.journal(operation="create_task")[0]
    seen = (first["status"], first["fault"], first["result"], first["task_id"])
    assert seen == (0, "drop", True, 1)


def test_an_applied_app_error_still_runs_the_operation(api, client):
    add(client, {"operations": ["create_task"], "fault": {"kind": "app_error", "applied": True}})
    answer = api.call("create_task", {"template_id": 30, "bk_biz_id": BIZ}, {"name": "x"})
    assert answer["result"] is False and answer["code"] == 3599999
    counted = api.ok("query_task_count", {"bk_biz_id": BIZ}, {"group_by": "status"})
    assert counted["data"]["total"] == 1
