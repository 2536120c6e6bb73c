"""Scenarios at run time: book defaults per component and template node, overrides per task node."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

BIZ = 2
LINEAR = 31  # bk_display -> job_fast_execute_script -> bk_http_request -> sleep_timer -> bk_notify
FETCH = "b4622bc66d53e664e4e764359b19639b"  # LINEAR's job_fast_execute_script node
JSON_TYPE = {"Content-Type": "application/json"}
SUBPROCESS_TEMPLATE, SUBPROCESS_NODE = 36, "51f79dbdc9b78512cb4c4d99e3ef917e"


def create(api, template: int = LINEAR) -> tuple[dict, dict[str, str]]:
    """The task's ids, and its task node ids by template node id."""
    data = api.ok("create_task", {"template_id": template, "bk_biz_id": BIZ}, {"name": "s"})["data"]
    nodes = {a["template_node_id"]: nid for nid, a in data["pipeline_tree"]["activities"].items()}
    return {"task_id": data["task_id"], "bk_biz_id": BIZ}, nodes


def status(api, task: dict, **params) -> dict:
    return api.ok("get_task_status", task, params)["data"]


def until_idle(client) -> dict:
    body = client.post("/__mock__/clock", json={"until_idle": True}).json()
    assert body["steps"] < 1000
    return body


def put(client, path: str, body) -> dict:
    answer = client.put(path, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def now(client) -> str:
    return client.get("/__mock__/clock").json()["now"]


# The book ------------------------------------------------------------
def test_the_book_shows_fixture_defaults_built_ins_and_an_empty_log(client):
    book = client.get("/__mock__/scenarios").json()
    assert book["components"]["job_execute_task"]["duration"] == 20
    assert book["templates"]["32"]["f8fd10134528fb069f4b4aeed1e48633"]["outcome"] == "callback"
    assert book["built_in"]["pause_node"]["outcome"] == "callback"
    assert book["generic_default"]["outcome"] == "succeed" and book["changes"] == []


def test_a_component_default_applies_to_tasks_created_after_it(api, client, advance):
    before, _ = create(api)
    advance(60)
    changed_at = now(client)
    scenario = {"outcome": "fail", "ex_data": "display broke"}
    body = put(client, "/__mock__/scenarios/components/bk_display", scenario)
    assert body["source"] == "book" and body["scenario"]["outcome"] == "fail"
    after, _ = create(api)
    for task in (before, after):
        api.ok("start_task", task)
    until_idle(client)
    assert status(api, before)["state"] == "FINISHED"
    failed = status(api, after, with_ex_data="true")
    assert failed["state"] == "FAILED" and "display broke" in json.dumps(failed, ensure_ascii=False)
    log = client.get("/__mock__/scenarios").json()["changes"]
    assert log == [
        {
            "at": changed_at,
            "target": "component",
            "code": "bk_display",
            "scenario": body["scenario"],
        }
    ]


@pytest.mark.parametrize(
    ("code", "source", "outcome"),
    [("job_execute_task", "built_in", None), ("pause_node", "built_in", "callback")],
)
def test_deleting_a_component_default_falls_back(client, code, source, outcome):
    deleted = client.delete(f"/__mock__/scenarios/components/{code}").json()
    if code == "job_execute_task":
        source = "generic_default"
    assert deleted["source"] == source
    assert deleted["scenario"]["outcome"] == (outcome or "succeed")
    assert client.get("/__mock__/scenarios").json()["changes"][-1]["scenario"] is None


def test_an_unknown_code_reads_as_the_generic_default(client):
    body = client.get("/__mock__/scenarios/components/no_such_plugin").json()
    assert body["source"] == "generic_default" and body["scenario"]["duration"] == 3.0


def test_a_template_node_default_wins_over_its_component(api, client):
    path = f"/__mock__/scenarios/templates/{LINEAR}/nodes/{FETCH}"
    assert client.get(path).json()["source"] == "component"
    body = put(client, path, {"duration": 500})
    assert body["source"] == "template_node" and body["code"] == "job_fast_execute_script"
    task, nodes = create(api)
    api.ok("start_task", task)
    client.post("/__mock__/clock", json={"advance": 400})
    assert status(api, task)["children"][nodes[FETCH]]["state"] == "RUNNING"
    until_idle(client)
    assert status(api, task)["state"] == "FINISHED"
    assert client.delete(path).json()["source"] == "component"


def test_put_book_replaces_every_default(api, client):
    body = put(
        client,
        "/__mock__/scenarios",
        {"components": {"bk_display": {"outcome": "callback"}}, "templates": {}},
    )
    assert list(body["components"]) == ["bk_display"] and body["templates"] == {}
    assert body["changes"][-1]["target"] == "book"
    task, _ = create(api, 32)  # its pause_node default came from the template: gone now
    api.ok("start_task", task)
    assert until_idle(client)["idle"] is True
    assert status(api, task)["state"] == "RUNNING"


# Per task node ------------------------------------------------------------
def test_a_task_node_fails_on_its_next_run_with_the_given_ex_data(api, client):
    task, nodes = create(api)
    other, _ = create(api)
    scenario = {"outcome": "fail", "ex_data": "disk full on 10.0.0.7"}
    path = f"/__mock__/tasks/{task['task_id']}/nodes/{nodes[FETCH]}/scenario"
    body = put(client, path, scenario)
    assert body["scenario"]["ex_data"] == scenario["ex_data"] and body["at"] == now(client)
    for t in (task, other):
        api.ok("start_task", t)
    until_idle(client)
    failed = status(api, task, with_ex_data="true")
    assert failed["state"] == "FAILED" and failed["children"][nodes[FETCH]]["state"] == "FAILED"
    assert "disk full on 10.0.0.7" in json.dumps(failed, ensure_ascii=False)
    assert status(api, other)["state"] == "FINISHED"


def test_a_task_node_can_wait_for_a_callback(api, client):
    task, nodes = create(api)
    put(
        client,
        f"/__mock__/tasks/{task['task_id']}/nodes/{nodes[FETCH]}/scenario",
        {"outcome": "callback"},
    )
    api.ok("start_task", task)
    assert until_idle(client)["idle"] is True
    tree = status(api, task)
    assert tree["state"] == "RUNNING" and tree["children"][nodes[FETCH]]["state"] == "RUNNING"


def test_a_task_node_can_take_300_seconds(api, client, advance):
    task, nodes = create(api)
    put(
        client,
        f"/__mock__/tasks/{task['task_id']}/nodes/{nodes[FETCH]}/scenario",
        {"duration": 300},
    )
    api.ok("start_task", task)
    advance(1)  # bk_display (0 s) is done; the fetch node started at the start reading
    started = status(api, task)["children"][nodes[FETCH]]
    advance(298)
    assert status(api, task)["children"][nodes[FETCH]]["state"] == "RUNNING"
    advance(2)
    node = status(api, task)["children"][nodes[FETCH]]
    assert node["state"] == "FINISHED" and node["elapsed_time"] == 300
    assert node["start_time"] == started["start_time"]


def test_task_overrides_are_listed_with_their_clock_readings(api, client, advance):
    task, nodes = create(api)
    base = f"/__mock__/tasks/{task['task_id']}"
    first_at = put(client, f"{base}/nodes/{nodes[FETCH]}/scenario", {"duration": 9})["at"]
    advance(5)
    cleared = client.delete(f"{base}/nodes/{nodes[FETCH]}/scenario").json()
    assert cleared["scenario"] is None
    listed = client.get(f"{base}/scenarios").json()
    assert listed["overrides"] == {}
    assert [(c["at"], c["scenario"] is None) for c in listed["changes"]] == [
        (first_at, False),
        (cleared["at"], True),
    ]
    assert datetime.fromisoformat(cleared["at"]) > datetime.fromisoformat(first_at)


# Refusals ------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        (
            "PUT",
            "/__mock__/scenarios/components/x",
            {"outcome": "explode"},
            400,
            "invalid_scenario",
        ),
        ("PUT", "/__mock__/scenarios/components/x", {"duration": -1}, 400, "invalid_scenario"),
        ("PUT", "/__mock__/scenarios/components/x", {"colour": 1}, 400, "invalid_scenario"),
        ("PUT", "/__mock__/scenarios/components/x", [1], 400, "invalid_scenario"),
        ("PUT", "/__mock__/scenarios", {"components": []}, 400, "invalid_book"),
        ("PUT", "/__mock__/scenarios", {"extra": {}}, 400, "invalid_book"),
        ("PUT", "/__mock__/scenarios", {"templates": {"31": {"nope": {}}}}, 404, "unknown_node"),
        ("GET", "/__mock__/scenarios/templates/999/nodes/a", None, 404, "unknown_template"),
        ("GET", "/__mock__/scenarios/templates/x/nodes/a", None, 400, "invalid_template_id"),
        ("GET", f"/__mock__/scenarios/templates/{LINEAR}/nodes/nope", None, 404, "unknown_node"),
        (
            "PUT",
            f"/__mock__/scenarios/templates/{SUBPROCESS_TEMPLATE}/nodes/{SUBPROCESS_NODE}",
            {},
            400,
            "not_an_activity",
        ),
        ("PUT", "/__mock__/tasks/99/nodes/n1/scenario", {}, 404, "unknown_task"),
        ("GET", "/__mock__/tasks/99/scenarios", None, 404, "unknown_task"),
    ],
)
def test_refusals_name_the_problem(client, method, path, body, status, error):
    kwargs = {} if body is None else {"content": json.dumps(body), "headers": JSON_TYPE}
    answer = client.request(method, path, **kwargs)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error
    assert client.get("/__mock__/scenarios").json()["changes"] == []


def test_task_node_refusals(api, client):
    task, _ = create(api, SUBPROCESS_TEMPLATE)
    created = api.ok("get_task_status", task)["data"]
    assert created["state"] == "CREATED"
    unknown = client.put(f"/__mock__/tasks/{task['task_id']}/nodes/nope/scenario", json={})
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_node"
    tree = api.ok(
        "create_task", {"template_id": SUBPROCESS_TEMPLATE, "bk_biz_id": BIZ}, {"name": "t"}
    )
    activities = tree["data"]["pipeline_tree"]["activities"]
    sub = next(nid for nid, a in activities.items() if a["type"] == "SubProcess")
    path = f"/__mock__/tasks/{tree['data']['task_id']}/nodes/{sub}/scenario"
    refused = client.put(path, json={"duration": 1})
    assert refused.status_code == 400 and refused.json()["error"] == "not_an_activity"
