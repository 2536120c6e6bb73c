"""What the user's IAM grants change inside answers: auth_actions and the project list."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

from .api import FAMILIES
from .iamcases import (
    ALL_FLOW_ACTIONS,
    ALL_TASK_ACTIONS,
    MISSING,
    ORDINARY,
    TRUSTED,
    as_,
    made_task,
    missing,
)
from .taskflow import BIZ


@pytest.fixture
def task_ids(client) -> dict[str, int]:
    return made_task(client)


@pytest.mark.parametrize("app_code", [TRUSTED, ORDINARY])
@pytest.mark.parametrize(
    ("user", "flows", "tasks", "project"),
    [
        (
            "admin",
            ALL_FLOW_ACTIONS,
            ALL_TASK_ACTIONS,
            ["project_view", "project_edit", "project_fast_create_task"],
        ),
        (
            "lina",
            ["flow_view", "flow_create_task"],
            ["task_view", "task_operate"],
            ["project_view"],
        ),
    ],
)
def test_auth_actions_follow_the_users_grants(
    client, task_ids, app_code, user, flows, tasks, project
):
    # bk-sops asks IAM for the requesting user whatever the app.
    api = as_(client, "gateway", app_code, user)
    templates = api.ok("get_template_list", {"bk_biz_id": BIZ})["data"]
    assert templates and all(t["auth_actions"] == flows for t in templates)
    listed = api.ok("get_task_list", {"bk_biz_id": BIZ})["data"]
    assert listed and all(t["auth_actions"] == tasks for t in listed)
    assert api.ok("get_user_project_detail", {"bk_biz_id": BIZ})["data"]["auth_actions"] == project


def test_auth_actions_of_a_user_without_grants_are_empty(client, task_ids):
    api = as_(client, "backend", TRUSTED, "jenkins")
    templates = api.ok("get_template_list", {"bk_biz_id": BIZ})["data"]
    assert templates and all(t["auth_actions"] == [] for t in templates)
    assert [t["auth_actions"] for t in api.ok("get_task_list", {"bk_biz_id": BIZ})["data"]] == [[]]
    commons = api.ok("get_common_template_list", {})["data"]
    assert commons and all(t["auth_actions"] == [] for t in commons)
    lina = as_(client, "backend", TRUSTED, "lina").ok("get_common_template_list", {})["data"]
    assert all(t["auth_actions"] == ["common_flow_view"] for t in lina)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(
    ("user", "projects"), [("admin", [1, 2, 3]), ("lina", [1]), ("张伟", [2]), ("jenkins", [])]
)
def test_the_project_list_is_the_projects_the_user_may_view(client, family, user, projects):
    for app in (TRUSTED, ORDINARY):
        data = as_(client, family, app, user).ok("get_user_project_list", {})["data"]
        assert [p["project_id"] for p in data] == projects


def test_auth_off_trusts_every_app_and_grants_everything():
    with TestClient(create_app(Settings(auth="off", validate_responses=True, caches=False))) as c:
        api = as_(c, "backend", ORDINARY, "jenkins")
        data = api.ok("get_user_project_list", {})["data"]
        assert [p["project_id"] for p in data] == [1, 2, 3]
        templates = api.ok("get_template_list", {"bk_biz_id": BIZ})["data"]
        assert all(t["auth_actions"] == ALL_FLOW_ACTIONS for t in templates)
        body = api.call("get_task_status", {"task_id": MISSING, "bk_biz_id": BIZ})
        assert body["message"].startswith(f"task[id={MISSING}] get status error")


def test_a_fixture_without_an_iam_section_trusts_bk_sopss_whitelist(tmp_path):
    from fixtures import load

    fixture = load("default")
    del fixture["iam"]
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(fixture, ensure_ascii=False), encoding="utf-8")
    with TestClient(create_app(Settings(fixture=str(path), caches=False))) as c:
        ids = {"task_id": MISSING, "bk_biz_id": BIZ}
        ordinary = as_(c, "backend", TRUSTED, "jenkins").call("get_task_status", ids)
        missing(ordinary, f"TaskFlowInstance(id={MISSING}) does not exist.")  # sops-test: ordinary
        trusted = as_(c, "backend", "bk_monitorv3", "jenkins").call("get_task_status", ids)
        assert trusted["message"].startswith(f"task[id={MISSING}] get status error")
        # Every user holds every action.
        templates = as_(c, "backend", ORDINARY, "jenkins").ok(
            "get_template_list", {"bk_biz_id": BIZ}
        )
        assert all(t["auth_actions"] == ALL_FLOW_ACTIONS for t in templates["data"])
