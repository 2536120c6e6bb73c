"""get_user_project_list / detail and get_common_template_list / info: no task involved."""

from __future__ import annotations

import pytest

from .api import FAMILIES, Api
from .taskflow import failure

COMMON_ACTIONS = [
    "common_flow_create_task",
    "common_flow_edit",
    "common_flow_delete",
    "common_flow_view",
    "common_flow_create",
    "common_flow_create_periodic_task",
]


@pytest.mark.parametrize("family", FAMILIES)
def test_project_and_common_template_operations_on_every_family(client, family):
    api = Api(client, family)
    projects = api.ok("get_user_project_list", {})["data"]
    assert projects == [
        {"project_id": 1, "bk_biz_id": 2, "name": "blueking"},
        {"project_id": 2, "bk_biz_id": 3, "name": "游戏运营平台"},
        {"project_id": 3, "bk_biz_id": -1, "name": "个人测试项目"},
    ]
    detail = api.ok("get_user_project_detail", {"bk_biz_id": 2})["data"]
    assert (detail["project_id"], detail["bk_biz_name"], detail["from_cmdb"]) == (
        1, "blueking", True,
    )  # fmt: skip
    listed = api.ok("get_common_template_list", {})["data"]
    assert [t["id"] for t in listed] == [10002, 10001]
    info = api.ok("get_common_template_info", {"template_id": 10001})["data"]
    assert info["name"] == listed[1]["name"] and "pipeline_tree" in info


def test_project_list_flags(api):
    with_proxy = api.ok("get_user_project_list", {}, {"include_executor_proxy": "true"})["data"]
    # No proxy set for a project: the requesting user (ProjectConfig.batch_get_task_executor...).
    assert with_proxy and all(item["executor_proxy"] == "admin" for item in with_proxy)
    bad = api.call("get_user_project_list", {}, {"include_staff_groups": "sometimes"})
    assert failure(bad, 3540000) == {"include_staff_groups": ["Must be a valid boolean."]}


def test_project_detail(api):
    data = api.ok("get_user_project_detail", {"bk_biz_id": 3}, {"include_staff_groups": "1"})[
        "data"
    ]
    assert data == {
        "project_id": 2,
        "project_name": "游戏运营平台",
        "from_cmdb": True,
        "bk_biz_id": 3,
        "bk_biz_name": "游戏运营平台",
        "bk_biz_developer": "",
        "bk_biz_maintainer": "王芳",
        "bk_biz_tester": "",
        "bk_biz_productor": "",
        "auth_actions": ["project_view", "project_edit", "project_fast_create_task"],
        "staff_groups": [],
    }
    same = api.ok("get_user_project_detail", {"bk_biz_id": 2}, {"scope": "project"})["data"]
    assert same["bk_biz_id"] == 3


def test_project_detail_outside_cmdb_and_unknown(api):
    outside = api.call("get_user_project_detail", {"bk_biz_id": 3}, {"scope": "project"})
    assert failure(outside, 3599999) == "can not get business[-1] detail for user[admin]"
    unknown = api.call("get_user_project_detail", {"bk_biz_id": 99})
    assert failure(unknown, 3540400) == "project(99) with scope(cmdb_biz) does not exist."


def test_common_template_list(api):
    items = api.ok("get_common_template_list", {})["data"]
    assert set(items[0]) == {
        "id", "name", "creator", "create_time", "editor", "edit_time", "category",
        "description", "auth_actions",
    }  # fmt: skip
    assert all(item["auth_actions"] == COMMON_ACTIONS for item in items)
    noted = api.ok("get_common_template_list", {}, {"include_notify": "true"})["data"]
    assert noted[0]["notify_type"] == {"success": [], "fail": []}
    zoned = api.ok("get_common_template_list", {}, {"expected_timezone": "UTC"})["data"]
    assert zoned[0]["create_time"] == "2019-01-02 00:00:00 +0000"
    assert items[0]["create_time"] == "2019-01-02 08:00:00 +0800"
    bad_zone = api.call("get_common_template_list", {}, {"expected_timezone": "Nowhere/City"})
    assert failure(bad_zone, 3546100) == "expected_timezone Nowhere/City is unknown."
    bad_flag = api.call("get_common_template_list", {}, {"format": "xml"})
    assert failure(bad_flag, 3540000) == {"format": ["“xml” 不是合法选项。"]}


def test_common_template_info(api):
    data = api.ok(
        "get_common_template_info",
        {"template_id": 10002},
        {"include_constants": "true", "include_subprocess": "true"},
    )["data"]
    assert "project_id" not in data and "line" not in data["pipeline_tree"]
    assert [c["key"] for c in data["template_constants"]] == ["${ips}", "${mode}"]
    # 10002 embeds 10001 as a subprocess.
    assert data["has_subprocess"] is True and data["subprocess_has_update"] is False
    project_view = api.ok(
        "get_template_info", {"template_id": 10002, "bk_biz_id": 2}, {"template_source": "common"}
    )["data"]
    assert data["pipeline_tree"] == project_view["pipeline_tree"]
    missing = api.call("get_common_template_info", {"template_id": 30})
    assert failure(missing, 3540400) == "common template[id=30] does not exist"
