"""Trusted and ordinary apps (issue 15 item 1): bk-sops's IAM interceptors over every family.

Expected actions and texts are written from bk-sops (gcloud/apigw/views/*, the interceptors of
gcloud/iam_auth/view_interceptors/apigw/, gcloud/core/middlewares.py), not read from the mock.
The default fixture trusts `sops-test`; `esb_test` is an ordinary app. admin holds every
action, lina views and runs project 1 (business 2) and views common templates, 张伟 views
project 2 (business 3) and may use its template 40, jenkins holds nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

from .api import FAMILIES, Api
from .taskflow import BIZ, NOT_EXIST, OTHER_BIZ, PAUSING, SINGLE, create

TRUSTED, ORDINARY = "sops-test", "esb_test"
MISSING = 99999
COMMON = 10001
REFUSAL = "iam authentication exception, please check, action:{}"
ALL_FLOW_ACTIONS = [
    "flow_create",
    "flow_view",
    "flow_edit",
    "flow_delete",
    "flow_create_task",
    "flow_create_mini_app",
    "flow_create_periodic_task",
    "flow_create_clocked_task",
]
ALL_TASK_ACTIONS = ["task_view", "task_edit", "task_operate", "task_claim", "task_delete"]
ALL_TASK_ACTIONS += ["task_clone"]


def as_(client: TestClient, family: str, app: str, user: str) -> Api:
    creds = {"bk_app_code": app, "bk_app_secret": "x", "bk_username": user}
    return Api(client, family, {"X-Bkapi-Authorization": json.dumps(creds)})


def refused(body: dict[str, Any], action: str) -> None:
    # return_json_response's answer: data null, code 3599999, the request's trace id.
    assert body["result"] is False and body["data"] is None, body
    assert body["code"] == 3599999
    assert body["message"] == REFUSAL.format(action)
    assert isinstance(body.get("trace_id"), str)


def missing(body: dict[str, Any], text: str) -> None:
    # ObjectDoesNotExistExceptionMiddleware's answer: 3540400, its own text, no trace_id.
    assert body == {
        "result": False,
        "data": None,
        "message": NOT_EXIST.format(text),
        "code": 3540400,
    }


@pytest.fixture
def task_ids(client) -> dict[str, int]:
    """A task of project 1 (business 2), made by a trusted app."""
    task = create(as_(client, "backend", TRUSTED, "admin"), PAUSING)
    return {"task_id": task["task_id"], "bk_biz_id": BIZ}


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


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("op", sorted(CHECKS))
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


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("op", sorted(CHECKS))
def test_a_trusted_app_skips_the_interceptor(client, task_ids, op, family):
    ids, params, _ = CHECKS[op]
    body = as_(client, family, TRUSTED, "jenkins").call(op, _ids(ids, task_ids), params)
    assert body.get("message", "") == "" or not body["message"].startswith("iam authentication")


TASK_OPS = sorted(op for op, (ids, _, _) in CHECKS.items() if "task" in ids)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("op", TASK_OPS)
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
    refused(api.call("modify_constants_for_task", task["ids"], {"constants": {}}), "task_edit")
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


def _tree_using(client: TestClient, template_id: int) -> dict[str, Any]:
    """Template 36's tree (project 1) with its subprocess node pointing at `template_id`."""
    admin = as_(client, "backend", TRUSTED, "admin")
    tree: dict[str, Any] = admin.ok("get_template_info", {"template_id": 36, "bk_biz_id": BIZ})[
        "data"
    ]["pipeline_tree"]
    for activity in tree["activities"].values():
        if "template_id" in activity:
            activity["template_id"] = template_id
    return tree


def _forbidden(action: str, names: tuple[str, str, str, str], instance: list[dict]) -> dict:
    # iam's IAMAuthFailedResponse with gen_perms_apply_data's body (no trace_id).
    system, action_name, kind, kind_name = names
    related: dict[str, Any] = {"system_id": "bk_sops", "system_name": system, "type": kind}
    related |= {"type_name": kind_name, "instances": [instance]}
    return {
        "result": False,
        "code": 9900403,
        "message": "you have no permission to operate",
        "data": None,
        "permission": {
            "system_id": "bk_sops",
            "system_name": system,
            "actions": [{"id": action, "name": action_name, "related_resource_types": [related]}],
        },
    }


@pytest.mark.parametrize("family", FAMILIES)
def test_fast_create_task_wants_view_on_each_subprocess_template(client, family):
    api = as_(client, family, ORDINARY, "张伟")  # views template 40 of project 2, not 41
    biz = {"bk_biz_id": OTHER_BIZ}
    api.ok("fast_create_task", biz, {"name": "n", "pipeline_tree": _tree_using(client, 40)})
    body = api.call(
        "fast_create_task", biz, {"name": "n", "pipeline_tree": _tree_using(client, 41)}
    )
    instance = [
        {"type": "project", "type_name": "项目", "id": "2", "name": "project,2"},
        {"type": "flow", "type_name": "流程模板", "id": "41", "name": "每周数据报表"},
    ]
    assert body == _forbidden("flow_view", ("标准运维", "查看流程", "flow", "流程模板"), instance)


def test_fast_create_task_wants_view_on_each_common_subprocess_template(client):
    api = as_(client, "gateway", ORDINARY, "张伟")
    params: dict[str, Any] = {"name": "n", "pipeline_tree": _tree_using(client, COMMON)}
    params["has_common_subprocess"] = True
    body = api.call("fast_create_task", {"bk_biz_id": OTHER_BIZ}, params)
    name = client.get(
        f"/apigw/get_common_template_info/{COMMON}/",
        headers=as_(client, "backend", TRUSTED, "admin").headers,
    ).json()["data"]["name"]
    instance = [{"type": "common_flow", "type_name": "公共流程", "id": str(COMMON), "name": name}]
    expected = ("标准运维", "查看公共流程", "common_flow", "公共流程")
    assert body == _forbidden("common_flow_view", expected, instance)


def test_the_permission_names_follow_the_language(client):
    api = as_(client, "esb", ORDINARY, "张伟")
    body = api.call(
        "fast_create_task",
        {"bk_biz_id": OTHER_BIZ},
        {"name": "n", "pipeline_tree": _tree_using(client, 41)},
        headers={"Accept-Language": "en"},
    )
    permission = body["permission"]
    assert permission["system_name"] == "Standard OPS"
    assert permission["actions"][0]["name"] == "View Flow"
    related = permission["actions"][0]["related_resource_types"][0]
    assert [i["type_name"] for i in related["instances"][0]] == ["Project", "Flow"]
