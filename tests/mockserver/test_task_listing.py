"""get_tasks_status and get_task_list: many tasks at once, filters, paging, times, errors."""

from __future__ import annotations

from datetime import datetime

import pytest

from mockserver.settings import Settings

from .taskflow import LINEAR, OTHER_BIZ, SINGLE, create, failure, idle, start, status


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # About listing tasks, not the queued start (test_start_queue.py): starts run at once.
    return settings.with_(start_delay=(0.0, 0.0))


STATUS = {"bk_biz_id": 2}
LIST = {"bk_biz_id": 2}


def _statuses(api, ids, **extra):
    return api.ok("get_tasks_status", STATUS, {"task_id_list": ids, **extra})["data"]


def test_tasks_status_lists_the_projects_tasks_newest_first(api, client):
    waiting = create(api, SINGLE, name="waiting")
    done = create(api, LINEAR, name="done")
    elsewhere = create(api, 40, OTHER_BIZ)
    start(api, done)
    idle(client)
    ids = [waiting["task_id"], str(done["task_id"]), elsewhere["task_id"], 999]
    items = _statuses(api, ids)
    assert [item["id"] for item in items] == [done["task_id"], waiting["task_id"]]
    first, second = items
    assert set(first) == {
        "id", "name", "status", "flow_type", "current_flow", "is_deleted",
        "create_time", "start_time", "finish_time", "url",
    }  # fmt: skip
    assert (first["name"], first["current_flow"], first["url"]) == (
        "done", "finished", done["task_url"],
    )  # fmt: skip
    assert (second["current_flow"], second["start_time"], second["finish_time"]) == (
        "execute_task", "", "",
    )  # fmt: skip
    full = status(api, done)
    assert first["status"] == {k: v for k, v in full.items() if k != "children"}
    created = status(api, waiting)
    assert second["status"] == {k: v for k, v in created.items() if k != "children"}
    assert first["finish_time"] == full["finish_time"]


def test_tasks_status_with_children(api, client):
    task = create(api, LINEAR)
    start(api, task)
    (item,) = _statuses(api, [task["task_id"]], include_children_status=True)
    assert item["status"]["children"] == status(api, task)["children"]
    (created,) = _statuses(api, [create(api, SINGLE)["task_id"]], include_children_status=1)
    assert created["status"]["children"] == {}


def test_an_unclaimed_functional_task_waits_for_its_claim(api):
    task = create(api, SINGLE, flow_type="common_func")
    (item,) = _statuses(api, [task["task_id"]])
    assert (item["flow_type"], item["current_flow"]) == ("common_func", "func_claim")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "request body is not a valid json"),
        ({"task_id_list": "1,2"}, "task_id_list must be a list"),
        ({"task_id_list": list(range(1, 52))}, "task_id_list is too long, maximum length is 50"),
        ({"task_id_list": [1, "x"]}, "task_id_list must hold task ids"),
        (
            {"task_id_list": [1], "include_children_status": "maybe"},
            {"include_children_status": ["Must be a valid boolean."]},
        ),
    ],
    ids=["empty-body", "not-a-list", "51-ids", "not-ids", "bad-flag"],
)
def test_tasks_status_errors(api, body, message):
    assert failure(api.call("get_tasks_status", STATUS, body), 3540000) == message


def test_fifty_ids_are_allowed(api):
    assert api.ok("get_tasks_status", STATUS, {"task_id_list": list(range(1, 51))})["data"] == []


def _list(api, **params):
    return api.ok("get_task_list", LIST, {k: str(v) for k, v in params.items()})


def _names(api, **params):
    return [item["name"] for item in _list(api, **params)["data"]]


def test_task_list_items_pages_and_count(api, client):
    created = [create(api, SINGLE, name=f"t{i}") for i in range(5)]
    create(api, 40, OTHER_BIZ)
    start(api, created[0])
    body = _list(api)
    assert body["count"] == 5 and _names(api) == ["t4", "t3", "t2", "t1", "t0"]
    item = body["data"][-1]
    assert set(item) == {
        "id", "name", "category", "create_method", "creator", "executor", "start_time",
        "finish_time", "is_started", "is_finished", "template_source", "template_id",
        "is_child_taskflow", "project_id", "project_name", "bk_biz_id", "bk_biz_name",
        "auth_actions",
    }  # fmt: skip
    assert (item["id"], item["template_id"], item["template_source"]) == (
        created[0]["task_id"], "30", "project",
    )  # fmt: skip
    assert (item["category"], item["create_method"], item["executor"]) == ("其它", "api", "admin")
    assert (item["bk_biz_id"], item["bk_biz_name"], item["is_child_taskflow"]) == (
        2, "blueking", False,
    )  # fmt: skip
    assert _names(api, limit=2, offset=1) == ["t3", "t2"]
    assert _list(api, limit=2, without_count="true")["count"] == -1
    english = api.ok("get_task_list", LIST, headers={"Accept-Language": "en"})
    assert english["data"][0]["category"] == "Others"


def test_limit_defaults_to_100_and_stops_at_200(api):
    for i in range(201):
        create(api, SINGLE, name=f"n{i}")
    assert len(_list(api)["data"]) == 100
    page = _list(api, limit=500)
    assert len(page["data"]) == 200 and page["count"] == 201


def test_times_are_raw_iso_in_utc_unless_a_zone_is_expected(api, client):
    task = create(api, LINEAR)
    start(api, task)
    idle(client)
    raw = _list(api)["data"][0]
    assert raw["start_time"] == "2026-01-05T02:00:00Z"
    assert raw["finish_time"].endswith("Z") and "T" in raw["finish_time"]
    finished = datetime.fromisoformat(raw["finish_time"]).replace(microsecond=0)
    zoned = _list(api, expected_timezone="Asia/Shanghai")["data"][0]
    assert zoned["start_time"] == "2026-01-05 10:00:00 +0800"
    assert zoned["finish_time"] == status(api, task)["finish_time"]
    assert datetime.strptime(zoned["finish_time"], "%Y-%m-%d %H:%M:%S %z") == finished
    unstarted = create(api, SINGLE)
    row = _list(api, limit=1)["data"][0]
    assert row["id"] == unstarted["task_id"] and row["start_time"] is None
    assert _list(api, limit=1, expected_timezone="UTC")["data"][0]["start_time"] == ""
    assert _list(api, limit=1, expected_timezone="")["data"][0]["start_time"] is None


def test_filters(api, client):
    backup = create(api, SINGLE, name="Nightly Backup")
    linear = create(api, LINEAR, name="nightly deploy")
    create(api, 34, name="config")
    start(api, linear)
    idle(client)
    start(api, backup)
    assert _names(api, keyword="Nightly") == ["Nightly Backup"]
    assert _names(api, keyword="") == ["config", "nightly deploy", "Nightly Backup"]
    assert _names(api, is_started="true") == ["nightly deploy", "Nightly Backup"]
    assert _names(api, is_started="FALSE") == ["config"]
    # Django checkboxes: only "false" and "" are false.
    assert _names(api, is_started="0") == ["nightly deploy", "Nightly Backup"]
    assert _names(api, is_finished="true") == ["nightly deploy"]
    assert _names(api, executor="admin") == ["nightly deploy", "Nightly Backup"]
    assert _names(api, executor="") == ["config"]
    assert _names(api, create_method="api") == ["config", "nightly deploy", "Nightly Backup"]
    assert _names(api, create_method="app") == []
    assert _names(api, template_id="31") == ["nightly deploy"]
    assert _names(api, template_ids=" 30, 34,") == ["config", "Nightly Backup"]
    assert _names(api, template_ids="") == []
    everything = ["config", "nightly deploy", "Nightly Backup"]
    assert _names(api, is_child_taskflow="false") == everything
    assert _names(api, is_child_taskflow="true") == []
    empty_page = _list(api, keyword="Nightly", limit=0)
    assert (empty_page["data"], empty_page["count"]) == ([], 1)
    assert _list(api, keyword="night")["count"] == 1


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"create_time_start": "2026-01-05 10:30:00"}, ["late"]),
        ({"create_time_end": "2026-01-05 10:30:00"}, ["early"]),
        ({"create_time_start": "2026-01-05 02:30:00 +0000"}, ["late"]),
        ({"create_time_start": "2026-01-05 02:30:00+0000"}, ["late"]),
        ({"create_time_end": "2026-01-05T02:30:00Z"}, ["early"]),
        ({"create_time_start": "2026-01-05", "create_time_end": "2026-01-05"}, ["late", "early"]),
        ({"create_time_start": "2026-01-06"}, []),
        ({"create_time_end": "2026-01-04"}, []),
    ],
)
def test_create_time_bounds(api, client, params, names):
    create(api, SINGLE, name="early")
    client.post("/__mock__/clock", json={"advance": 3600})
    create(api, SINGLE, name="late")
    assert _names(api, **params) == names


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({"offset": "-1"}, 3545000, "[API] pagination error: offset and limit must be greater "
         "or equal to 0."),
        ({"limit": "ten"}, 3545000, "[API] pagination error: invalid literal for int() with "
         "base 10: 'ten'"),
        ({"create_time_start": "yesterday"}, 3546100, {"create_time_start": [
            "无法解析日期格式: yesterday，支持的格式：YYYY-MM-DD HH:MM:SS、YYYY-MM-DD HH:MM:SS "
            "+HHMM、YYYY-MM-DD HH:MM:SS+HHMM、YYYY-MM-DDTHH:MM:SSZ 或 YYYY-MM-DD"]}),
    ],
    ids=["negative-offset", "limit-not-a-number", "bad-time"],
)  # fmt: skip
def test_task_list_errors(api, params, code, message):
    body = api.call("get_task_list", LIST, params)
    assert failure(body, code) == message
    assert body["data"] == "" and body["trace_id"]


def test_an_unknown_zone_is_refused_before_anything_else(api):
    body = api.call("get_task_list", LIST, {"expected_timezone": "Mars/Base", "offset": "-1"})
    assert failure(body, 3546100) == "expected_timezone Mars/Base is unknown."
    assert "trace_id" not in body
