"""The periodic views for an ordinary app: their IAM interceptors and the user's auth_actions."""

from __future__ import annotations

from typing import Any

import pytest

from .api import FAMILIES
from .iamcases import ORDINARY, TRUSTED, as_, missing, refused

BIZ = 2
TEMPLATE = 31
CREATE = {"template_id": TEMPLATE, "bk_biz_id": BIZ}
BODY = {"name": "nightly", "cron": {"minute": "0"}}
EDITS: dict[str, dict[str, Any]] = {
    "set_periodic_task_enabled": {"enabled": True},
    "modify_cron_for_periodic_task": {"cron": {"minute": "5"}},
    "modify_constants_for_periodic_task": {"constants": {}},
}


def made(client) -> int:
    body = as_(client, "backend", TRUSTED, "admin").ok("create_periodic_task", CREATE, BODY)
    periodic_id: int = body["data"]["id"]
    return periodic_id


@pytest.mark.parametrize("family", FAMILIES)
def test_a_user_without_grants_is_refused_with_the_views_action(client, family):
    pid = made(client)
    jenkins = as_(client, family, ORDINARY, "jenkins")
    refused(jenkins.call("create_periodic_task", CREATE, BODY), "flow_create_periodic_task")
    common = {**BODY, "template_source": "common"}
    path = {"template_id": 10001, "bk_biz_id": BIZ}
    refused(jenkins.call("create_periodic_task", path, common), "common_flow_create_periodic_task")
    ids = {"task_id": pid, "bk_biz_id": BIZ}
    refused(jenkins.call("get_periodic_task_info", ids), "periodic_task_view")
    for op, params in EDITS.items():
        refused(jenkins.call(op, ids, params), "periodic_task_edit")
    refused(jenkins.call("get_periodic_task_list", {"bk_biz_id": BIZ}), "project_view")
    # Nothing changed: the task is still disabled, its cron as made.
    info = as_(client, family, TRUSTED, "admin").ok("get_periodic_task_info", ids)["data"]
    assert info["enabled"] is False and info["cron"].startswith("0 * ")


def test_the_interceptor_looks_the_periodic_task_up_first(client):
    jenkins = as_(client, "backend", ORDINARY, "jenkins")
    ids = {"task_id": 777, "bk_biz_id": BIZ}
    missing(jenkins.call("get_periodic_task_info", ids), "PeriodicTask(id=777) does not exist.")
    for op, params in EDITS.items():
        missing(jenkins.call(op, ids, params), "PeriodicTask(id=777) does not exist.")


def test_the_create_interceptor_runs_after_the_body_check(client):
    jenkins = as_(client, "backend", ORDINARY, "jenkins")
    body = jenkins.call("create_periodic_task", CREATE, None)
    assert body["code"] == 3540000 and "trace_id" not in body  # the validator answered first


def test_admin_as_an_ordinary_app_passes_and_sees_every_action(client):
    pid = made(client)
    admin = as_(client, "backend", ORDINARY, "admin")
    ids = {"task_id": pid, "bk_biz_id": BIZ}
    assert admin.ok("get_periodic_task_info", ids)["data"]["id"] == pid
    listed = admin.ok("get_periodic_task_list", {"bk_biz_id": BIZ})["data"]
    assert listed[0]["auth_actions"] == [
        "periodic_task_view",
        "periodic_task_delete",
        "periodic_task_edit",
    ]


def test_the_list_shows_only_the_actions_a_user_holds(client):
    made(client)
    # lina views project 1 but holds no periodic-task action; a trusted app does not change that.
    for app in (ORDINARY, TRUSTED):
        listed = as_(client, "backend", app, "lina").ok(
            "get_periodic_task_list", {"bk_biz_id": BIZ}
        )
        assert [item["auth_actions"] for item in listed["data"]] == [[]]
