"""The periodic-task family over HTTP, and its runs on the virtual clock."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

import fixtures
from mockserver.app import create_app
from mockserver.settings import Settings

from .api import FAMILIES, Api

BIZ = 2
TEMPLATE = 31  # has ${bk_timing} (show_type show)
INSPECTION = 39  # its node 9fb669db... is optional
OPTIONAL_NODE = "9fb669db14d3d5f336e9df68559b47e0"
CREATE = {"template_id": TEMPLATE, "bk_biz_id": BIZ}
CRON = {"minute": "*/5", "hour": "2"}  # 02:00-02:55 Asia/Shanghai


def make(api: Api, **params: Any) -> dict[str, Any]:
    body = {"name": "nightly", "cron": CRON, **params}
    data: dict[str, Any] = api.ok("create_periodic_task", CREATE, body)["data"]
    return data


def ids(periodic_id: Any) -> dict[str, Any]:
    return {"task_id": periodic_id, "bk_biz_id": BIZ}


def refused(api: Api, op: str, path: dict[str, Any], params: Any, code: int) -> dict[str, Any]:
    body = api.call(op, path, params)
    assert body["result"] is False and body["code"] == code, body
    return body


@pytest.mark.parametrize("family", FAMILIES)
def test_the_family_on_every_url_family(client, family):
    api = Api(client, family)
    created = make(api, constants={"${bk_timing}": "7", "${unknown}": 1}, include_edit_info=True)
    assert created["enabled"] is False  # bamboo-pipeline creates the beat entry disabled
    assert created["template_id"] == TEMPLATE and created["total_run_count"] == 0
    assert created["cron"] == "*/5 2 * * * (m/h/d/dM/MY) Asia/Shanghai"
    assert created["last_run_at"] == "" and created["creator"] == "admin"
    assert created["editor"] == "" and created["is_latest"] is True
    assert created["form"]["${bk_timing}"]["value"] == "7"
    assert "${unknown}" not in created["pipeline_tree"]["constants"]
    pid = created["id"]
    info = api.ok("get_periodic_task_info", ids(pid))["data"]
    assert info["template_id"] == str(TEMPLATE) and "editor" not in info
    assert info["pipeline_tree"] == created["pipeline_tree"]
    listed = api.ok("get_periodic_task_list", {"bk_biz_id": BIZ})["data"]
    assert [item["id"] for item in listed] == [pid]
    assert "pipeline_tree" not in listed[0] and listed[0]["auth_actions"] == [
        "periodic_task_view",
        "periodic_task_delete",
        "periodic_task_edit",
    ]
    assert api.ok("set_periodic_task_enabled", ids(pid), {"enabled": True})["data"] == {
        "enabled": True
    }
    cron = api.ok("modify_cron_for_periodic_task", ids(pid), {"cron": {"minute": "0"}})
    assert cron["data"] == {"cron": "0 * * * * (m/h/d/dM/MY) Asia/Shanghai"}
    constants = api.ok(
        "modify_constants_for_periodic_task", ids(pid), {"constants": {"${bk_timing}": "9"}}
    )
    assert constants["data"]["${bk_timing}"]["value"] == "9"
    again = api.ok("get_periodic_task_info", ids(pid), {"include_edit_info": "true"})["data"]
    assert again["enabled"] is True and again["form"]["${bk_timing}"]["value"] == "9"
    assert again["editor"] == "admin" and again["cron"] == cron["data"]["cron"]


def test_list_is_newest_first_and_per_project(api):
    first, second = make(api)["id"], make(api, name="second")["id"]
    listed = api.ok("get_periodic_task_list", {"bk_biz_id": BIZ})["data"]
    assert [item["id"] for item in listed] == [second, first]
    assert api.ok("get_periodic_task_list", {"bk_biz_id": 3})["data"] == []
    # Another project's periodic task does not exist there.
    refused(api, "get_periodic_task_info", {"task_id": first, "bk_biz_id": 3}, None, 3540400)


def test_runs_create_and_start_tasks_at_their_clock_readings(api, advance):
    pid = make(api)["id"]
    advance(86400)
    assert api.ok("get_periodic_task_info", ids(pid))["data"]["total_run_count"] == 0  # disabled
    api.ok("set_periodic_task_enabled", ids(pid), {"enabled": True})
    before = api.ok("query_task_count", {"bk_biz_id": BIZ}, {"group_by": "create_method"})
    advance(86400)  # one night: 02:00, 02:05, ..., 02:55
    info = api.ok("get_periodic_task_info", ids(pid))["data"]
    assert info["total_run_count"] == 12
    assert info["last_run_at"].endswith("02:55:00 +0800")
    tasks = api.ok("get_task_list", {"bk_biz_id": BIZ}, {"limit": 12})["data"]
    runs = [t for t in tasks if t["create_method"] == "periodic"]
    assert len(runs) == 12
    stamps = sorted(t["name"].rpartition("_")[2][-6:] for t in runs)
    assert stamps == [f"02{m:02d}00" for m in range(0, 60, 5)]
    assert all(t["is_started"] and t["creator"] == "admin" for t in runs)
    detail = api.ok("get_task_detail", {"task_id": runs[0]["id"], "bk_biz_id": BIZ})["data"]
    assert detail["create_method"] == "periodic" and detail["executor"] == "admin"
    after = api.ok("query_task_count", {"bk_biz_id": BIZ}, {"group_by": "create_method"})
    assert after != before
    listed = api.ok("get_periodic_task_list", {"bk_biz_id": BIZ}, {"expected_timezone": "UTC"})
    assert listed["data"][0]["last_run_at"].endswith("18:55:00 +0000")  # timezone_inject
    api.ok("set_periodic_task_enabled", ids(pid), {"enabled": False})
    advance(86400)
    assert api.ok("get_periodic_task_info", ids(pid))["data"]["total_run_count"] == 12


def test_a_new_cron_counts_from_now(api, advance, client):
    pid = make(api)["id"]
    api.ok("set_periodic_task_enabled", ids(pid), {"enabled": True})
    api.ok("modify_cron_for_periodic_task", ids(pid), {"cron": {}})  # every minute
    advance(150)
    assert api.ok("get_periodic_task_info", ids(pid))["data"]["total_run_count"] == 2


def test_runs_are_deterministic_and_survive_a_snapshot():
    def night(client: TestClient) -> list[bytes]:
        api = Api(client)
        pid = make(api)["id"]
        api.ok("set_periodic_task_enabled", ids(pid), {"enabled": True})
        client.post("/__mock__/clock", json={"advance": 43200})
        return [api.raw("get_task_list", {"bk_biz_id": BIZ}, {"limit": 20}).content]

    settings = Settings(clock="virtual", validate_responses=True, seed=7)
    with TestClient(create_app(settings)) as a, TestClient(create_app(settings)) as b:
        assert night(a) == night(b)
        snapshot = a.get("/__mock__/state").json()
        assert snapshot["engine"]["periodic"]["tasks"][0]["enabled"] is True
        fresh = create_app(Settings(clock="virtual", validate_responses=True, seed=1))
        with TestClient(fresh) as c:
            assert c.put("/__mock__/state", json=snapshot).status_code == 200
            assert c.get("/__mock__/state").json() == snapshot
            for client in (a, c):
                client.post("/__mock__/clock", json={"advance": 86400})
            answers = [
                Api(x).raw("get_periodic_task_list", {"bk_biz_id": BIZ}).content for x in (a, c)
            ]
            assert answers[0] == answers[1]
            assert b'"total_run_count":12' in answers[0]


def test_exclusion_applies_to_the_tree(api):
    body = {"name": "x", "cron": {}, "exclude_task_nodes_id": [OPTIONAL_NODE]}
    path = {"template_id": INSPECTION, "bk_biz_id": BIZ}
    tree = api.ok("create_periodic_task", path, body)["data"]["pipeline_tree"]
    template = {t["id"]: t for t in fixtures.load("default")["templates"]}[INSPECTION]
    kept = set(template["pipeline_tree"]["activities"]) - {OPTIONAL_NODE}
    assert {a["template_node_id"] for a in tree["activities"].values()} == kept


def test_the_tree_gets_fresh_ids_and_runs_keep_the_template_nodes(api, advance):
    created = make(api)
    tree = created["pipeline_tree"]
    template = {t["id"]: t for t in fixtures.load("default")["templates"]}[TEMPLATE]
    originals = set(template["pipeline_tree"]["activities"])
    assert not set(tree["activities"]) & originals  # bamboo's replace_id at create
    assert {a["template_node_id"] for a in tree["activities"].values()} == originals
    for constant in tree["constants"].values():
        assert set(constant.get("source_info") or {}) <= set(tree["activities"])
    api.ok("set_periodic_task_enabled", ids(created["id"]), {"enabled": True})
    advance(86400)
    run = api.ok("get_task_list", {"bk_biz_id": BIZ}, {"limit": 1})["data"][0]
    detail = api.ok("get_task_detail", {"task_id": run["id"], "bk_biz_id": BIZ})["data"]
    acts = detail["pipeline_tree"]["activities"].values()
    assert {a["template_node_id"] for a in acts} == originals
    assert not set(detail["pipeline_tree"]["activities"]) & set(tree["activities"])


def test_business_source_reads_the_project_template(api):
    data = make(api, template_source="business")
    assert data["template_source"] == "project" and data["template_id"] == TEMPLATE


def test_common_template_source(api):
    common = api.ok("get_common_template_list", {})["data"][0]["id"]
    path = {"template_id": common, "bk_biz_id": BIZ}
    for source in ("common", "anything"):
        data = api.ok(
            "create_periodic_task", path, {"name": "c", "cron": {}, "template_source": source}
        )
        assert data["data"]["template_source"] == source
    refused(
        api,
        "create_periodic_task",
        {"template_id": 999, "bk_biz_id": BIZ},
        {"name": "c", "cron": {}, "template_source": "common"},
        3540400,
    )


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({"cron": {}}, 3540000, "task params is invalid: 'name' is a required property"),
        ({"name": "n"}, 3540000, "task params is invalid: 'cron' is a required property"),
        ({"name": "", "cron": {}}, 3540000, None),
        ({"name": "n" * 51, "cron": {}}, 3540000, None),
        ({"name": "n", "cron": "* * * * *"}, 3540000, None),
        ({"name": "n", "cron": {}, "constants": []}, 3540000, None),
        ({"name": "n", "cron": {}, "exclude_task_nodes_id": "x"}, 3540000, None),
        ({"name": "n", "cron": {}, "include_edit_info": "maybe"}, 3540000, None),
        (
            {"name": "n", "cron": {"minute": "61"}},
            3599999,
            "Invalid end range: 61 must be less than 59.",
        ),
        ({"name": "n", "cron": {"hour": "*/0"}}, 3599999, "slice step cannot be zero"),
        ({"name": "n", "cron": {"minute": None}}, 3599999, None),
        ({"name": "n", "cron": {}, "exclude_task_nodes_id": ["nope"]}, 3599999, None),
        (
            {"name": "n", "cron": {}, "exclude_task_nodes_id": [{}]},
            3599999,
            "unhashable type: 'dict'",
        ),
    ],
)
def test_create_refusals(api, params, code, message):
    body = refused(api, "create_periodic_task", CREATE, params, code)
    if message is not None:
        assert body["message"] == message
    assert api.ok("get_periodic_task_list", {"bk_biz_id": BIZ})["data"] == []


def test_create_refusals_before_the_view(api, client):
    body = refused(api, "create_periodic_task", CREATE, None, 3540000)
    assert "trace_id" not in body and body["data"] is None  # request_validate's own answer
    missing = refused(
        api,
        "create_periodic_task",
        {"template_id": 999, "bk_biz_id": BIZ},
        {"name": "n", "cron": {}},
        3540400,
    )
    assert missing["message"] == (
        "template[id=999] of project[project_id=1 , biz_id2] does not exist"
    )


def test_the_project_limit(api):
    for _ in range(50):
        make(api)
    body = refused(api, "create_periodic_task", CREATE, {"name": "n", "cron": {}}, 3545000)
    assert body["message"] == "Periodic task number reaches limit: 50"


@pytest.mark.parametrize(
    "op",
    [
        "set_periodic_task_enabled",
        "modify_cron_for_periodic_task",
        "modify_constants_for_periodic_task",
    ],
)
def test_edit_views_refuse_no_body_and_unknown_tasks(api, op):
    assert refused(api, op, ids(1), None, 3540000)["message"] == "invalid json format"
    assert refused(api, op, ids(999), {"x": 1}, 3540400)["message"] == "task(999) does not exist"


def test_get_views_refusals(api):
    assert (
        refused(api, "get_periodic_task_info", ids(5), None, 3540400)["message"]
        == "task(5) does not exist"
    )
    flags = refused(api, "get_periodic_task_info", ids(5), {"include_edit_info": "maybe"}, 3540000)
    assert flags["message"] == {"include_edit_info": ["Must be a valid boolean."]}
    zone = refused(
        api, "get_periodic_task_list", {"bk_biz_id": BIZ}, {"expected_timezone": "Mars/X"}, 3546100
    )
    assert zone["message"] == "expected_timezone Mars/X is unknown."
    refused(
        api, "get_periodic_task_list", {"bk_biz_id": BIZ}, {"include_edit_info": "maybe"}, 3540000
    )


@pytest.mark.parametrize(
    ("enabled", "stored"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("t", True),
        ("False", False),
        ("1", True),
    ],
)
def test_enabled_is_read_as_djangos_boolean_field_and_echoed(api, enabled, stored):
    pid = make(api)["id"]
    data = api.ok("set_periodic_task_enabled", ids(pid), {"enabled": enabled})["data"]
    assert data == {"enabled": enabled}
    assert api.ok("get_periodic_task_info", ids(pid))["data"]["enabled"] is stored


def test_enabled_defaults_to_false_and_refuses_what_django_refuses(api):
    pid = make(api)["id"]
    api.ok("set_periodic_task_enabled", ids(pid), {"enabled": True})
    assert api.ok("set_periodic_task_enabled", ids(pid), {"other": 1})["data"] == {"enabled": False}
    body = refused(api, "set_periodic_task_enabled", ids(pid), {"enabled": "yes"}, 3599999)
    assert body["message"] == "['“yes” value must be either True or False.']"


def test_modify_cron_and_constants_refusals_change_nothing(api):
    pid = make(api)["id"]
    before = api.ok("get_periodic_task_info", ids(pid))["data"]
    for cron, message in [
        ("* * * * *", "'str' object has no attribute 'get'"),
        (None, "'NoneType' object has no attribute 'get'"),
        ({"day_of_week": "8"}, "Invalid end range: 8 must be less than 6."),
    ]:
        body = refused(api, "modify_cron_for_periodic_task", ids(pid), {"cron": cron}, 3599999)
        assert body["message"] == message
    body = refused(api, "modify_constants_for_periodic_task", ids(pid), {"constants": []}, 3599999)
    assert body["message"] == "'list' object has no attribute 'items'"
    assert api.ok("get_periodic_task_info", ids(pid))["data"] == before
    unknown = api.ok("modify_constants_for_periodic_task", ids(pid), {"constants": {"${nope}": 1}})
    assert unknown["data"] == before["pipeline_tree"]["constants"]


@pytest.mark.parametrize(("flag", "shown"), [(1, True), (0, False), ({}, None), ([], None)])
def test_include_edit_info_in_a_json_body_is_read_as_drf_reads_it(api, flag, shown):
    params = {"name": "n", "cron": {}, "include_edit_info": flag}
    if shown is None:
        body = refused(api, "create_periodic_task", CREATE, params, 3540000)
        assert body["message"] == {"include_edit_info": ["Must be a valid boolean."]}
    else:
        assert ("editor" in api.ok("create_periodic_task", CREATE, params)["data"]) is shown


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p["tasks"][0].update(cron={"minute": "99"}),
        lambda p: p["tasks"][1].update(timezone="No/Such_Zone"),
        lambda p: p["tasks"][1]["template"].update(tree=[]),
        lambda p: p["tasks"][0]["template"].update(tree=[]),
        lambda p: p["tasks"][0]["template"]["tree"].pop("start_event"),
        lambda p: p["tasks"][0].update(timezone="No/Such_Zone"),
        lambda p: p["tasks"][0].update(create_time=None),
        lambda p: p.update(tasks="x"),
    ],
)
def test_a_damaged_periodic_record_is_refused_and_changes_nothing(client, damage):
    api = Api(client)
    make(api)  # a disabled one too: its record is checked as well
    pid = make(api)["id"]
    api.ok("set_periodic_task_enabled", ids(pid), {"enabled": True})
    snapshot = client.get("/__mock__/state").json()
    damage(snapshot["engine"]["periodic"])
    answer = client.put("/__mock__/state", json=snapshot)
    assert answer.status_code == 400, answer.text
    client.post("/__mock__/clock", json={"advance": 86400})
    assert api.ok("get_periodic_task_info", ids(pid))["data"]["total_run_count"] == 12
