"""Trusted and ordinary apps (issue 15 item 1): bk-sops's IAM interceptors over every family.

Expected actions and texts are written from bk-sops (gcloud/apigw/views/*, the interceptors of
gcloud/iam_auth/view_interceptors/apigw/, gcloud/core/middlewares.py), not read from the mock.
Who holds what: tests/mockserver/iamcases.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

from .api import FAMILIES, Api
from .iamcases import (
    COMMON,
    MISSING,
    ORDINARY,
    TRUSTED,
    as_,
    made_task,
    missing,
    refused,
    served,
)
from .taskflow import BIZ, OTHER_BIZ, PAUSING, SINGLE, create


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # About IAM grants, not the queued start (test_start_queue.py): starts run at once.
    return settings.with_(start_delay=(0.0, 0.0))


@pytest.fixture
def task_ids(client) -> dict[str, int]:
    return made_task(client)


# operation -> (ids, params, action bk-sops's interceptor checks); ids name existing resources
# of project 1 (business 2); "task" stands for the fixture task.
CHECKS: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    "get_template_list": ({"bk_biz_id": BIZ}, {}, "project_view"),
    "get_template_info": ({"template_id": SINGLE, "bk_biz_id": BIZ}, {}, "flow_view"),
    "get_common_template_info": ({"template_id": COMMON}, {}, "common_flow_view"),
    "create_task": ({"template_id": SINGLE, "bk_biz_id": BIZ}, {"name": "n"}, "flow_create_task"),
    "create_and_start_task": (
        {"template_id": SINGLE, "bk_biz_id": BIZ},
        {"name": "n"},
        "flow_create_task",
    ),
    "preview_task_tree": ({"template_id": SINGLE, "bk_biz_id": BIZ}, {}, "flow_view"),
    "start_task": ({"task": 1}, {}, "task_operate"),
    "operate_task": ({"task": 1}, {"action": "revoke"}, "task_operate"),
    "operate_node": ({"task": 1}, {"node_id": "n", "action": "skip"}, "task_operate"),
    "node_callback": ({"task": 1}, {"node_id": "n"}, "task_operate"),
    "get_task_status": ({"task": 1}, {}, "task_view"),
    "get_task_detail": ({"task": 1}, {}, "task_view"),
    "get_task_node_detail": ({"task": 1}, {"node_id": "n"}, "task_view"),
    "get_task_node_data": ({"task": 1}, {"node_id": "n"}, "task_view"),
    "modify_constants_for_task": ({"task": 1}, {"constants": {}}, "task_edit"),
    "get_tasks_status": ({"bk_biz_id": BIZ}, {"task_id_list": []}, "project_view"),
    "get_task_list": ({"bk_biz_id": BIZ}, {}, "project_view"),
    "query_task_count": ({"bk_biz_id": BIZ}, {"group_by": "status"}, "project_view"),
    "get_user_project_detail": ({"bk_biz_id": BIZ}, {}, "project_view"),
}


def _ids(ids: dict[str, Any], task_ids: dict[str, int]) -> dict[str, Any]:
    return dict(task_ids) if "task" in ids else ids


@pytest.mark.parametrize(("op", "family"), served(sorted(CHECKS)))
def test_an_ordinary_app_is_refused_what_the_user_does_not_hold(client, task_ids, op, family):
    ids, params, action = CHECKS[op]
    body = as_(client, family, ORDINARY, "jenkins").call(op, _ids(ids, task_ids), params)
    refused(body, action)


def test_fast_create_task_is_checked_after_its_validator(client):
    api = as_(client, "gateway", ORDINARY, "jenkins")
    # An invalid tree: FastCreateTaskValidator answers before the interceptor runs.
    body = api.call("fast_create_task", {"bk_biz_id": BIZ}, {"name": "n", "pipeline_tree": 1})
    assert body["code"] == 3540000 and "invalid pipeline_tree" in body["message"]
    tree = create(as_(client, "backend", TRUSTED, "admin"), SINGLE)["pipeline_tree"]
    body = api.call("fast_create_task", {"bk_biz_id": BIZ}, {"name": "n", "pipeline_tree": tree})
    refused(body, "project_fast_create_task")


@pytest.mark.parametrize(("op", "family"), served(sorted(CHECKS)))
def test_a_trusted_app_skips_the_interceptor(client, task_ids, op, family):
    ids, params, _ = CHECKS[op]
    body = as_(client, family, TRUSTED, "jenkins").call(op, _ids(ids, task_ids), params)
    assert body.get("message", "") == "" or not body["message"].startswith("iam authentication")


TASK_OPS = sorted(op for op, (ids, _, _) in CHECKS.items() if "task" in ids)


@pytest.mark.parametrize(("op", "family"), served(TASK_OPS))
def test_a_missing_task_is_the_middlewares_answer_for_an_ordinary_app(client, op, family):
    params = CHECKS[op][1]
    body = as_(client, family, ORDINARY, "admin").call(
        op, {"task_id": MISSING, "bk_biz_id": BIZ}, params
    )
    missing(body, f"TaskFlowInstance(id={MISSING}) does not exist.")


@pytest.mark.parametrize("family", FAMILIES)
def test_a_missing_task_is_the_views_answer_for_a_trusted_app(client, family):
    body = as_(client, family, TRUSTED, "jenkins").call(
        "get_task_status", {"task_id": MISSING, "bk_biz_id": BIZ}
    )
    assert body["code"] == 3599999
    assert body["message"].startswith(f"task[id={MISSING}] get status error")


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(
    ("op", "params", "text"),
    [
        ("get_template_info", {}, "TaskTemplate(id={}) does not exist."),
        (
            "get_template_info",
            {"template_source": "common"},
            "CommonTemplate(id={}) does not exist.",
        ),
        ("preview_task_tree", {}, "TaskTemplate(id={}) does not exist."),
        ("create_task", {"name": "n"}, "TaskTemplate(id={}) does not exist."),
        (
            "create_task",
            {"name": "n", "template_source": "common"},
            "CommonTemplate(id={}) does not exist.",
        ),
        ("create_and_start_task", {"name": "n"}, "TaskTemplate(id={}) does not exist."),
    ],
)
def test_a_missing_template_is_the_middlewares_answer(client, family, op, params, text):
    ids = {"template_id": MISSING, "bk_biz_id": BIZ}
    body = as_(client, family, ORDINARY, "admin").call(op, ids, params)
    missing(body, text.format(MISSING))


@pytest.mark.parametrize("family", FAMILIES)
def test_a_missing_common_template_is_the_middlewares_answer(client, family):
    body = as_(client, family, ORDINARY, "admin").call(
        "get_common_template_info", {"template_id": MISSING}
    )
    missing(body, f"CommonTemplate(id={MISSING}) does not exist.")


def test_the_project_is_found_before_the_interceptor_runs(client):
    body = as_(client, "backend", ORDINARY, "jenkins").call("get_task_list", {"bk_biz_id": 777})
    assert body["code"] == 3540400 and body["message"] == (
        "project(777) with scope(cmdb_biz) does not exist."
    )


def test_create_task_validates_its_body_before_the_interceptor(client):
    answer = as_(client, "backend", ORDINARY, "jenkins").raw(
        "create_task",
        {"template_id": SINGLE, "bk_biz_id": BIZ},
        content=b"[1]",
        headers={"content-type": "application/json"},
    )
    assert not answer.json()["message"].startswith("iam authentication")


def test_a_task_is_looked_up_in_any_project(client, task_ids):
    # res_factory reads the task by id alone; lina views project 1's tasks, so a project-1 task
    # read through business 3 passes the check, and the view then answers its own error.
    ids = {"task_id": task_ids["task_id"], "bk_biz_id": OTHER_BIZ}
    body = as_(client, "gateway", ORDINARY, "lina").call("get_task_status", ids)
    assert body["message"].startswith(f"task[id={task_ids['task_id']}] get status error")
    refused(as_(client, "gateway", ORDINARY, "jenkins").call("get_task_status", ids), "task_view")


@pytest.mark.parametrize("family", FAMILIES)
def test_a_partial_user_runs_what_it_holds_and_no_more(client, family):
    api = as_(client, family, ORDINARY, "lina")
    task = create(api, PAUSING)
    api.ok("start_task", task["ids"])
    assert api.ok("get_task_status", task["ids"])["data"]["state"] == "RUNNING"
    if family != "gateway":  # the gateway does not publish modify_constants_for_task
        edit = api.call("modify_constants_for_task", task["ids"], {"constants": {}})
        refused(edit, "task_edit")
    refused(api.call("get_task_list", {"bk_biz_id": OTHER_BIZ}), "project_view")
    api.ok("get_common_template_info", {"template_id": COMMON})
    refused(
        api.call(
            "create_task",
            {"template_id": COMMON, "bk_biz_id": BIZ},
            {"name": "n", "template_source": "common"},
        ),
        "common_flow_create_task",
    )
    api.ok("operate_task", task["ids"], {"action": "revoke"})


def test_a_grant_on_one_template_covers_that_template_only(client):
    api = as_(client, "esb", ORDINARY, "张伟")
    api.ok("get_template_info", {"template_id": 40, "bk_biz_id": OTHER_BIZ})
    refused(api.call("get_template_info", {"template_id": 41, "bk_biz_id": OTHER_BIZ}), "flow_view")


@pytest.mark.parametrize("op", ["get_template_list", "get_task_list"])
def test_a_bad_timezone_is_answered_before_the_interceptor(client, op):
    # timezone_inject sits outside iam_intercept on these two views.
    body = as_(client, "backend", ORDINARY, "jenkins").call(
        op, {"bk_biz_id": BIZ}, {"expected_timezone": "Mars/Olympus"}
    )
    assert body["code"] == 3546100
    assert body["message"] == "expected_timezone Mars/Olympus is unknown."
    refused(
        as_(client, "backend", ORDINARY, "jenkins").call(op, {"bk_biz_id": BIZ}), "project_view"
    )


def test_strict_auth_then_the_interceptor():
    # Strict checks the registry first (gateway), then bk-sops judges trust: bk_monitorv3 is
    # whitelisted, esb_test is an ordinary registered app.
    with TestClient(
        create_app(Settings(auth="strict", validate_responses=True, caches=False))
    ) as c:
        apps = c.app.state.mock.catalog.apps  # type: ignore[attr-defined]
        ids = {"task_id": MISSING, "bk_biz_id": BIZ}
        for code, ordinary in (("esb_test", True), ("bk_monitorv3", False)):
            creds = {"bk_app_code": code, "bk_app_secret": apps[code]["bk_app_secret"]}
            api = Api(
                c,
                "gateway",
                {"X-Bkapi-Authorization": json.dumps({**creds, "bk_username": "jenkins"})},
            )
            body = api.call("get_task_status", ids)
            if ordinary:
                missing(body, f"TaskFlowInstance(id={MISSING}) does not exist.")
                refused(api.call("get_task_list", {"bk_biz_id": BIZ}), "project_view")
            else:
                assert body["message"].startswith(f"task[id={MISSING}] get status error")
                assert api.ok("get_task_list", {"bk_biz_id": BIZ})["data"] == []


# Views without @iam_intercept in bk-sops (gcloud/apigw/views/).
NO_INTERCEPTOR = {"get_common_template_list", "get_user_project_list"}


def test_every_served_operation_has_its_interceptor_row():
    from mockserver.iam.interceptors import INTERCEPTORS
    from schemas import operation_names

    lacking = set(operation_names()) - set(INTERCEPTORS) - NO_INTERCEPTOR
    assert not lacking, f"add rows to mockserver/iam/interceptors.py INTERCEPTORS: {lacking}"
