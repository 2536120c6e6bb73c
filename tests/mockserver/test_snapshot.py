"""Snapshots: GET/PUT /__mock__/state, and the state file kept across restarts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.cli import parser, settings_from
from mockserver.running import RunningMock
from mockserver.settings import Settings
from mockserver.snapshot import FORMAT, SnapshotError, load_file, save_file
from schemas.operations import OPERATIONS

from .api import AUTH_HEADER, Api

BIZ = 2
TEMPLATES = (30, 31, 32, 33, 34, 35, 36, 38, 39)
IDS = {"bk_biz_id": BIZ, "template_id": 31, "project_id": 1}


def busy(client) -> list[int]:
    """Tasks in many states, scenario changes, a per-task override and a fault rule."""
    api = Api(client)
    put = client.put
    put("/__mock__/scenarios/components/bk_notify", json={"duration": 45, "jitter": 5})
    tasks = []
    for template in TEMPLATES:
        data = api.ok("create_task", {"template_id": template, "bk_biz_id": BIZ}, {"name": "b"})
        tasks.append(data["data"]["task_id"])
        client.post("/__mock__/clock", json={"advance": 7})
    first_node = next(iter(data["data"]["pipeline_tree"]["activities"]))
    put(f"/__mock__/tasks/{tasks[-1]}/nodes/{first_node}/scenario", json={"outcome": "fail"})
    failing = api.ok("create_task", {"template_id": 41, "bk_biz_id": 3}, {"name": "f"})
    api.ok("start_task", {"task_id": failing["data"]["task_id"], "bk_biz_id": 3})
    for task_id in tasks[1:]:
        api.ok("start_task", {"task_id": task_id, "bk_biz_id": BIZ})
        client.post("/__mock__/clock", json={"advance": 3})
    api.ok("operate_task", {"task_id": tasks[2], "bk_biz_id": BIZ}, {"action": "pause"})
    api.ok("operate_task", {"task_id": tasks[3], "bk_biz_id": BIZ}, {"action": "revoke"})
    for task_id in tasks:
        api.ok("get_task_status", {"task_id": task_id, "bk_biz_id": BIZ})
    rule = {"operations": ["get_task_status"], "probability": 0.3, "fault": {"kind": "app_error"}}
    client.post("/__mock__/faults", json=rule)
    client.post("/__mock__/clock", json={"advance": 20})
    return tasks


def reads(client, tasks: list[int]) -> list[tuple[int, str, bytes]]:
    """Every read operation, for every task where it takes one: status, trace header, body."""
    api = Api(client)
    out = []
    for op in OPERATIONS:
        if op.method != "GET" and op.name != "query_task_count":
            continue
        targets = tasks if "task_id" in op.path_ids else [None]
        for task_id in targets:
            ids = {name: IDS.get(name, task_id) for name in op.path_ids}
            params = {"group_by": "status"} if op.name == "query_task_count" else {}
            answer = api.raw(op.name, ids, params)
            out.append(
                (answer.status_code, answer.headers.get("sops-trace-id", ""), answer.content)
            )
    return out


def test_a_restored_snapshot_answers_every_read_as_the_original():
    original = create_app(Settings(clock="virtual", validate_responses=True, seed=7))
    fresh = create_app(
        Settings(clock="virtual", validate_responses=True, seed=99, fixture="minimal")
    )
    with TestClient(original) as a, TestClient(fresh) as b:
        tasks = busy(a)
        snapshot = a.get("/__mock__/state").json()
        assert snapshot["format"] == FORMAT and len(snapshot["engine"]["tasks"]) == len(tasks) + 1
        restored = b.put("/__mock__/state", json=snapshot).json()
        assert restored["tasks"] == len(tasks) + 1 and restored["seed"] == 7
        assert b.get("/__mock__/state").json() == snapshot
        for step in (0, 30, 3600):
            for client in (a, b):
                client.post("/__mock__/clock", json={"advance": step})
            first, second = reads(a, tasks), reads(b, tasks)
            assert first == second
            assert {status for status, _, _ in first} == {200}
        assert a.get("/__mock__/state").json() == b.get("/__mock__/state").json()
        assert a.get("/__mock__/faults").json() == b.get("/__mock__/faults").json()
        assert a.get("/__mock__/faults").json()["rules"][0]["injected"] > 0


def test_a_snapshot_is_plain_json_with_the_scenario_log_and_faults(client):
    client.put("/__mock__/scenarios/components/bk_display", json={"outcome": "fail"})
    client.post("/__mock__/faults", json={"latency": {"seconds": 0.5}})
    snapshot = client.get("/__mock__/state").json()
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["scenario_changes"][0]["code"] == "bk_display"
    assert snapshot["faults"]["rules"][0]["latency"]["seconds"] == 0.5
    assert snapshot["fixture"]["name"] == "default" and snapshot["fixture"]["data"]["projects"]


def no_flows(snapshot: dict) -> dict:
    template = snapshot["engine"]["templates"][0]
    return {**template, "tree": {**template["tree"], "flows": {}}}


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda s: [s], "must be an object"),
        (lambda s: {**s, "format": "other"}, "format"),
        (lambda s: {k: v for k, v in s.items() if k != "engine"}, "engine"),
        (lambda s: {**s, "engine": {**s["engine"], "format": 99}}, "engine"),
        (lambda s: {**s, "engine": {**s["engine"], "tasks": [1]}}, "engine"),
        (lambda s: {**s, "engine": {**s["engine"], "templates": [{"tree": 1}]}}, "engine"),
        (lambda s: {**s, "engine": {**s["engine"], "templates": [no_flows(s)]}}, "InvalidTree"),
        (lambda s: {**s, "clock": {"now": "noon"}}, "clock.now"),
        (lambda s: {**s, "seed": "7"}, "seed"),
        (lambda s: {**s, "fixture": {"name": "x", "data": {"projects": 1}}}, "fixture"),
        (lambda s: {**s, "faults": {"made": 0, "rules": [{"fault": {"kind": "x"}}]}}, "faults"),
    ],
)
def test_a_bad_snapshot_is_refused_and_changes_nothing(api, client, mutate, needle):
    api.ok("create_task", {"template_id": 30, "bk_biz_id": BIZ}, {"name": "keep"})
    before = client.get("/__mock__/state").json()
    json_type = {"Content-Type": "application/json"}
    answer = client.put("/__mock__/state", content=json.dumps(mutate(before)), headers=json_type)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_state"
    assert needle in answer.json()["message"]
    assert client.get("/__mock__/state").json() == before


# The state file -----------------------------------------------------------------------------
def test_the_state_file_is_written_on_close_and_loaded_on_start(tmp_path):
    path = tmp_path / "state.json"
    with RunningMock(state_file=str(path)) as first:
        api = first.base_url + "/api/c/compapi/v2/sops"
        created = requests.post(
            f"{api}/create_task/",
            json={"bk_biz_id": BIZ, "template_id": 31, "name": "kept"},
            headers=AUTH_HEADER,
            timeout=10,
        ).json()
        task_id = created["data"]["task_id"]
        requests.post(
            f"{api}/start_task/",
            json={"bk_biz_id": BIZ, "task_id": task_id},
            headers=AUTH_HEADER,
            timeout=10,
        )
        first.advance(10)
        clock = first.clock()["now"]
        before = first.state()
    assert json.loads(path.read_text())["format"] == FORMAT
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    with RunningMock(state_file=str(path)) as second:
        assert second.clock()["now"] == clock
        assert second.state() == before
        status = requests.get(
            f"{second.base_url}/apigw/get_task_status/{task_id}/{BIZ}/",
            headers=AUTH_HEADER,
            timeout=10,
        ).json()
        assert status["data"]["state"] == "RUNNING"


def test_save_replaces_the_file_atomically_and_load_skips_a_missing_one(app, tmp_path):
    target = tmp_path / "s.json"
    target.write_text("old")
    mock = app.state.mock
    assert save_file(mock, target) == target
    assert json.loads(target.read_text())["format"] == FORMAT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]
    assert load_file(mock, tmp_path / "missing.json") is False
    assert load_file(mock, target) is True


def test_a_corrupt_state_file_stops_the_start(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(SnapshotError, match="not JSON"):
        create_app(Settings(state_file=str(path)))


def test_serve_takes_state_file_and_journal_size():
    args = parser().parse_args(["serve", "--state-file", "/tmp/x.json", "--journal-size", "5"])
    settings = settings_from(args)
    assert (settings.state_file, settings.journal_size) == ("/tmp/x.json", 5)
    defaults = settings_from(parser().parse_args(["serve"]))
    assert (defaults.state_file, defaults.journal_size) == (None, 1000)


def test_write_state_path_is_a_path(tmp_path, app):
    assert isinstance(save_file(app.state.mock, str(tmp_path / "p.json")), Path)
