"""The bk-sops checks, the lifecycle watch and the report, on made-up answers."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import httpx
import pytest

from contract_tests.checks import (
    error_has_message_and_code,
    invalid_input_refused,
    result_matches_code,
    trace_id_header,
    valid_input_accepted,
)
from contract_tests.client import Exchange
from contract_tests.lifecycle import TaskWatch, count_disagreement
from contract_tests.report import Recorder, junit_xml, table
from contract_tests.target import Target
from contract_tests.wire import input_errors, read_wire
from schemas import operation

TRACE = {"Sops-Trace-Id": "abc"}


def answer(body, status=200, headers=TRACE, op="get_task_status", query=None, body_in=None):
    target = Target()
    ids = {"task_id": 1, "bk_biz_id": 2, "template_id": 3}
    spec = operation(op)
    request = target.route(spec, spec.method, ids, query or {}, body_in, body_in is not None)
    content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    response = httpx.Response(
        status, content=content, headers={"content-type": "application/json", **headers}
    )
    exchange = Exchange(spec, request, target.url(request), response)
    wire = read_wire(spec, "backend", request, ids)
    return exchange, wire, input_errors(spec, wire)


@pytest.mark.parametrize(
    ("check", "body", "headers", "broken"),
    [
        (result_matches_code, {"result": True, "code": 0}, TRACE, False),
        (result_matches_code, {"result": True, "code": 3540000}, TRACE, True),
        (result_matches_code, {"result": False, "code": 0, "message": "x"}, TRACE, True),
        (
            error_has_message_and_code,
            {"result": False, "code": 3540400, "message": "no"},
            TRACE,
            False,
        ),
        (
            error_has_message_and_code,
            {"result": False, "code": 3540400, "message": " "},
            TRACE,
            True,
        ),
        (
            error_has_message_and_code,
            {"result": False, "code": 1234567, "message": "x"},
            TRACE,
            True,
        ),
        (
            error_has_message_and_code,
            {"result": False, "code": 3540000, "message": {"a": ["b"]}},
            TRACE,
            False,
        ),
        (trace_id_header, {"result": True, "trace_id": "abc"}, TRACE, False),
        (trace_id_header, {"result": True}, {}, True),
        (trace_id_header, {"result": True, "trace_id": "other"}, TRACE, True),
        # The API gateway answers before bk-sops: no bk-sops trace id there.
        (
            trace_id_header,
            {"code_name": "INVALID_ARGS", "code": 1640001, "result": False},
            {},
            False,
        ),
    ],
)
def test_envelope_checks(check, body, headers, broken):
    exchange, _, _ = answer(body, headers=headers)
    assert (check(exchange) is not None) is broken


REFUSED = {"result": False, "code": 3540000, "message": "bad"}
ACCEPTED = {"result": True, "code": 0, "message": "success"}


@pytest.mark.parametrize(
    ("op", "body_in", "reply", "status", "refused_ok", "accepted_ok"),
    [
        # invalid input: refused with 3540000 passes, accepted fails
        ("operate_task", {"action": "stop"}, REFUSED, 200, True, True),
        ("operate_task", {"action": "stop"}, ACCEPTED, 200, False, True),
        # bk-sops answers a bad action with 3545000 (PROVENANCE choice 20)
        ("operate_task", {"action": "stop"}, {**REFUSED, "code": 3545000}, 200, True, True),
        ("operate_task", {"action": "stop"}, {**REFUSED, "code": 3599999}, 200, False, True),
        # valid input: a parameter error is a refusal of valid input
        ("operate_task", {"action": "pause"}, REFUSED, 200, True, False),
        ("operate_task", {"action": "pause"}, {**REFUSED, "code": 3545000}, 200, True, True),
        ("operate_task", {"action": "pause"}, {"code_name": "INVALID_ARGS"}, 400, True, False),
        # a documented rule no schema holds
        (
            "create_task",
            {"name": "n", "template_schemes_id": [1], "pipeline_tree": {}},
            {**REFUSED, "message": "template_schemes_id can not be used with pipeline_tree"},
            200,
            True,
            True,
        ),
        # conditions go to the database unchecked: bk-sops may accept a bad one
        (
            "query_task_count",
            {"group_by": "status", "conditions": {"is_started": "x"}},
            {"result": True, "code": 0, "data": {"total": 0, "groups": []}},
            200,
            True,
            True,
        ),
    ],
)
def test_input_checks(op, body_in, reply, status, refused_ok, accepted_ok):
    exchange, wire, errors = answer(reply, status=status, op=op, body_in=body_in)
    assert (invalid_input_refused(exchange, wire, errors) is None) is refused_ok
    assert (valid_input_accepted(exchange, wire, errors) is None) is accepted_ok


def test_a_wrong_route_must_get_404_or_405():
    spec = operation("get_task_status")
    ids = {"task_id": "x", "bk_biz_id": 2}
    request = Target().route(spec, "GET", ids, {}, None, False)
    wire = read_wire(spec, "backend", request, ids)
    for status, ok in ((404, True), (405, True), (200, False)):
        response = httpx.Response(status, json={"result": True})
        exchange = Exchange(spec, request, "http://testserver/", response)
        assert (invalid_input_refused(exchange, wire, input_errors(spec, wire)) is None) is ok


def node(state, children=(), start=None, finish=None, node_id="n"):
    return {
        "id": node_id,
        "state": state,
        "start_time": start,
        "finish_time": finish,
        "children": {child["id"]: child for child in children},
    }


def status(data):
    return {"result": True, "code": 0, "data": data}


def watch_with_task(started=True, seen=False):
    """Task 5, created; `started`: a start was accepted (queued); `seen`: read RUNNING since."""
    watch = TaskWatch()
    watch.observe("create_task", {}, {}, {"result": True, "data": {"task_id": 5}})
    if started:
        assert watch.observe("start_task", {"task_id": 5}, {}, ACCEPTED) == []
    if seen:
        assert watch.observe("get_task_status", {"task_id": 5}, {}, status(node("RUNNING"))) == []
    return watch


def checks_of(failures):
    return [failure.check for failure in failures]


def test_terminal_states_accept_no_action():
    watch = watch_with_task()
    assert watch.observe("get_task_status", {"task_id": 5}, {}, status(node("FINISHED"))) == []
    found = watch.observe("operate_task", {"task_id": 5}, {"action": "revoke"}, ACCEPTED)
    assert checks_of(found) == ["legal_transition"]
    found = watch.observe("get_task_status", {"task_id": 5}, {}, status(node("RUNNING")))
    assert checks_of(found) == ["terminal_state"]


@pytest.mark.parametrize(
    ("started", "seen", "actions", "illegal"),
    [
        (False, False, ["pause"], "pause"),
        (False, False, ["revoke"], "revoke"),
        (True, True, ["start"], "start"),
        # bk-sops checks only "is started" before queueing: a start that waits takes another
        (True, False, ["start"], None),
        (True, False, ["pause", "start"], "start"),  # an accepted pause says it was running
        (True, False, ["resume"], "resume"),
        (True, True, ["pause", "pause"], "pause"),
        (True, False, ["pause", "resume", "revoke"], None),
    ],
)
def test_accepted_actions_must_be_legal(started, seen, actions, illegal):
    watch = watch_with_task(started, seen)
    found = []
    for action in actions:
        found = watch.observe("operate_task", {"task_id": 5}, {"action": action}, ACCEPTED)
    assert checks_of(found) == ([] if illegal is None else ["legal_transition"])


def test_unknown_tasks_are_not_judged():
    watch = TaskWatch()
    assert watch.observe("operate_task", {"task_id": 9}, {"action": "resume"}, ACCEPTED) == []


@pytest.mark.parametrize(
    ("tree", "broken"),
    [
        (node("RUNNING", [node("FINISHED", node_id="a"), node("RUNNING", node_id="b")]), False),
        (node("RUNNING", [node("FAILED", node_id="a")]), True),
        (node("FAILED", [node("FAILED", node_id="a")]), False),
        (node("FAILED", [node("FINISHED", node_id="a")]), True),
        (node("FINISHED", [node("RUNNING", node_id="a")]), True),
        (node("NODE_SUSPENDED", [node("SUSPENDED", node_id="a")]), False),
        (node("RUNNING", [node("RUNNING", [node("FAILED", node_id="c")], node_id="s")]), True),
    ],
)
def test_the_shown_state_follows_from_the_nodes(tree, broken):
    watch = watch_with_task()
    found = watch.observe("get_task_status", {"task_id": 5}, {}, status(tree))
    assert ("state_agrees_with_nodes" in checks_of(found)) is broken


def test_times_never_go_backwards():
    watch = watch_with_task()
    early, late = "2026-01-05 10:00:00 +0800", "2026-01-05 10:01:00 +0800"
    first = node("RUNNING", [node("RUNNING", start=late, node_id="a")], start=early)
    assert watch.observe("get_task_status", {"task_id": 5}, {}, status(first)) == []
    again = node("RUNNING", [node("RUNNING", start=early, node_id="a")], start=early)
    found = watch.observe("get_task_status", {"task_id": 5}, {}, status(again))
    assert checks_of(found) == ["times_move_forward"]
    inverted = node("FINISHED", start=late, finish=early, node_id="z")
    found = TaskWatch().observe("get_task_status", {}, {}, status(inverted))
    assert found == []  # not a task of the run
    watch = watch_with_task()
    found = watch.observe("get_task_status", {"task_id": 5}, {}, status(inverted))
    assert "times_move_forward" in checks_of(found)


def test_a_queued_start_may_read_created_until_it_is_seen_started():
    watch = watch_with_task(started=False)
    created = status(node("CREATED"))
    assert watch.observe("get_task_status", {"task_id": 5}, {}, created) == []
    found = watch.observe("get_task_status", {"task_id": 5}, {}, status(node("RUNNING")))
    assert checks_of(found) == ["terminal_state"]  # never started, yet RUNNING
    watch = watch_with_task()  # the start was accepted: the worker has not run it yet
    assert watch.observe("get_task_status", {"task_id": 5}, {}, created) == []
    assert watch.observe("get_task_status", {"task_id": 5}, {}, status(node("RUNNING"))) == []
    found = watch.observe("get_task_status", {"task_id": 5}, {}, created)
    assert checks_of(found) == ["terminal_state"]  # seen started, then CREATED again


def test_counts_move_by_the_tasks_created():
    watch = watch_with_task(started=False)
    watch.observe("create_task", {}, {}, {"result": True, "data": {"task_id": 6}})
    watch.observe("start_task", {"task_id": 6}, {}, ACCEPTED)
    before = {"total": 4, "CREATED": 1}
    assert count_disagreement(before, {"total": 6, "CREATED": 2}, watch) is None
    assert count_disagreement(before, {"total": 5, "CREATED": 2}, watch) is not None
    # bk-sops starts tasks in a worker: the started one may still count as CREATED for a while
    assert count_disagreement(before, {"total": 6, "CREATED": 3}, watch) is None
    assert count_disagreement(before, {"total": 6, "CREATED": 1}, watch) is not None  # task 5
    assert count_disagreement(before, {"total": 6, "CREATED": 4}, watch) is not None
    # once a read shows task 6 past CREATED it no longer counts as waiting
    assert watch.observe("get_task_status", {"task_id": 6}, {}, status(node("RUNNING"))) == []
    assert count_disagreement(before, {"total": 6, "CREATED": 3}, watch) is not None
    assert count_disagreement(before, {"total": 6, "CREATED": 2}, watch) is None
    # an earlier run's queued start ran meanwhile: one less CREATED, when the caller says so
    assert count_disagreement(before, {"total": 6, "CREATED": 1}, watch, carried=1) is None
    assert count_disagreement(before, {"total": 6, "CREATED": 1}, watch) is not None


def test_report_table_and_junit():
    recorder = Recorder()
    recorder.case("stateless", "get_template_list", b"one")
    recorder.case("stateless", "create_task", b"two")
    recorder.fail(
        "stateless", "create_task", "result_matches_code", "result true, code 3540000", "curl x"
    )
    recorder.skip("stateless", "query_task_count", "not published on the API gateway")
    report = recorder.as_dict()
    assert report["failed"] == 1
    text = table(report)
    assert "FAILED result_matches_code: result true, code 3540000" in text
    assert "reproduce: curl x" in text and "skipped (not published on the API gateway)" in text
    root = ET.fromstring(junit_xml(report))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 3
    assert [c.get("name") for c in cases if c.find("failure") is not None] == ["create_task"]
    assert [c.get("name") for c in cases if c.find("skipped") is not None] == ["query_task_count"]
