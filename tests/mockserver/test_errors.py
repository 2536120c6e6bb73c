"""Each application error of the seven operations: bk-sops's code and message, HTTP 200."""

from __future__ import annotations

import pytest

from mockserver.settings import Settings
from schemas.operations import OPERATIONS

from .taskflow import NOT_EXIST, failure


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # About the engine's refusals, not the queued start (test_start_queue.py): starts run at once.
    return settings.with_(start_delay=(0.0, 0.0))


BIZ = 2
PROJECT_ID = 1
TEMPLATE = 30
UNKNOWN = 987654


def create(api, **params):
    body = api.ok(
        "create_task", {"template_id": TEMPLATE, "bk_biz_id": BIZ}, {"name": "t", **params}
    )
    return body["data"]["task_id"]


def operate(api, task_id, action):
    return api.call("operate_task", {"task_id": task_id, "bk_biz_id": BIZ}, {"action": action})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"flow_type": "common"}, "task params is invalid: 'name' is a required property"),
        ({"name": "x" * 101}, f"task params is invalid: '{'x' * 101}' is too long"),
        ({"name": ""}, "task params is invalid: '' should be non-empty"),
        (
            {"name": "t", "flow_type": "bad"},
            "task params is invalid: 'bad' is not one of ['common', 'common_func']",
        ),
        ({"name": "t", "constants": []}, "task params is invalid: [] is not of type 'object'"),
    ],
)
def test_create_task_parameter_errors(api, params, message):
    body = api.call("create_task", {"template_id": TEMPLATE, "bk_biz_id": BIZ}, params)
    # the headline; the whole text is checked in test_bk_sops_words.py
    assert failure(body, 3540000).split("\n\n")[0] == message
    assert "trace_id" in body


def test_create_task_with_an_empty_body_speaks_the_callers_language(api, client):
    path = f"/apigw/create_task/{TEMPLATE}/{BIZ}/"
    zh = client.post(path, headers=api.headers).json()
    en = client.post(path, headers={**api.headers, "Accept-Language": "en-US,en;q=0.9"}).json()
    assert failure(zh, 3540000) == "非法请求: 数据错误, 请求不是合法的Json格式 | validate"
    assert failure(en, 3540000) == (
        "Illegal request: data error, the request is not in legal Json format | validate"
    )
    assert "trace_id" not in zh and zh["data"] is None


@pytest.mark.parametrize("raw", [b"{not json", b"null", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_post_bodies_that_are_not_json_objects(api, client, raw):
    body = client.post(f"/apigw/create_task/{TEMPLATE}/{BIZ}/", content=raw, headers=api.headers)
    assert failure(body.json(), 3540000) == "invalid param format"


def test_create_task_for_an_unknown_template(api):
    body = api.call("create_task", {"template_id": UNKNOWN, "bk_biz_id": BIZ}, {"name": "t"})
    assert failure(body, 3540400) == (
        f"template[id={UNKNOWN}] of project[project_id={PROJECT_ID},biz_id={BIZ}] does not exist"
    )


def test_create_task_for_an_unknown_common_template(api):
    params = {"name": "t", "template_source": "common"}
    body = api.call("create_task", {"template_id": UNKNOWN, "bk_biz_id": BIZ}, params)
    assert failure(body, 3540400) == f"common template[id={UNKNOWN}] does not exist"


def test_create_task_excluding_an_unknown_node(api):
    params = {"name": "t", "exclude_task_nodes_id": ["nope"]}
    body = api.call("create_task", {"template_id": TEMPLATE, "bk_biz_id": BIZ}, params)
    assert failure(body, 3599999) == (
        "[API] create_task create pipeline without tree error: "
        "task node[id=nope] is not in template pipeline tree"
    )


def test_create_task_excluding_a_node_that_is_not_optional(api):
    node = "631b6576cc5dfbdcaa4f510ce88a7e67"  # template 30's only activity, not optional
    params = {"name": "t", "exclude_task_nodes_id": [node]}
    body = api.call("create_task", {"template_id": TEMPLATE, "bk_biz_id": BIZ}, params)
    assert failure(body, 3599999) == (
        "[API] create_task create pipeline without tree error: "
        f"task node[id={node}] is not optional"
    )


def test_get_template_info_for_an_unknown_template(api):
    body = api.call("get_template_info", {"template_id": UNKNOWN, "bk_biz_id": BIZ})
    assert failure(body, 3540400) == (
        f"template[id={UNKNOWN}] of project[project_id={PROJECT_ID}, biz_id={BIZ}] does not exist"
    )


@pytest.mark.parametrize(
    "op", [op for op in OPERATIONS if "bk_biz_id" in op.path_ids], ids=lambda op: op.name
)
def test_every_operation_refuses_an_unknown_business(api, op):
    ids = dict.fromkeys(op.path_ids, 1)
    ids["bk_biz_id"] = UNKNOWN
    body = api.call(op.name, ids, {"name": "t", "action": "pause", "group_by": "status"})
    assert failure(body, 3540400) == f"project({UNKNOWN}) with scope(cmdb_biz) does not exist."
    assert "trace_id" not in body


def test_scope_project_reads_the_id_as_a_project_id(api):
    ok = api.ok("get_template_list", {"bk_biz_id": PROJECT_ID}, {"scope": "project"})
    assert {item["project_id"] for item in ok["data"]} == {PROJECT_ID}
    body = api.call("get_template_list", {"bk_biz_id": UNKNOWN}, {"scope": "project"})
    assert failure(body, 3540400) == f"project({UNKNOWN}) with scope(project) does not exist."


def test_start_task_twice(api):
    task_id = create(api)
    api.ok("start_task", {"task_id": task_id, "bk_biz_id": BIZ})
    body = api.call("start_task", {"task_id": task_id, "bk_biz_id": BIZ})
    assert failure(body, 3545000) == "task already started"


def test_start_and_status_of_an_unknown_task(api):
    start = api.call("start_task", {"task_id": UNKNOWN, "bk_biz_id": BIZ})
    assert failure(start, 3540400) == NOT_EXIST.format(
        f"TaskFlowInstance(id={UNKNOWN}) does not exist."
    )
    status = api.call("get_task_status", {"task_id": UNKNOWN, "bk_biz_id": BIZ})
    assert failure(status, 3599999) == (
        f"task[id={UNKNOWN}] get status error: TaskFlowInstance matching query does not exist."
    )


def test_a_task_of_another_business_does_not_exist_here(api):
    task_id = create(api)
    other = api.call("get_task_status", {"task_id": task_id, "bk_biz_id": 3})
    assert other["result"] is False


def test_operate_task_with_an_empty_body(api, client):
    task_id = create(api)
    body = client.post(f"/apigw/operate_task/{task_id}/{BIZ}/", headers=api.headers).json()
    assert failure(body, 3540000) == "invalid json format"


@pytest.mark.parametrize(
    "params", [{"scope": "cmdb_biz"}, {"action": "explode"}, {"action": 5}, {"action": None}]
)
def test_operate_task_with_a_missing_or_unknown_action(api, params):
    task_id = create(api)
    body = api.call("operate_task", {"task_id": task_id, "bk_biz_id": BIZ}, params)
    assert failure(body, 3545000) == "task command is invalid"


def test_operate_an_unknown_task(api):
    body = operate(api, UNKNOWN, "pause")
    assert failure(body, 3540400) == NOT_EXIST.format(
        "TaskFlowInstance matching query does not exist."
    )


@pytest.mark.parametrize("action", ["pause", "resume", "revoke"])
def test_task_actions_before_start(api, action):
    task_id = create(api)
    assert failure(operate(api, task_id, action), 3545000) == "task not started"


def engine_message(body: dict) -> str:
    message = failure(body, 3599999)
    assert message.startswith("fail: Traceback (most recent call last):\n")
    return message.splitlines()[-1]


def test_pause_when_already_paused_or_finished(api, client):
    task_id = create(api)
    api.ok("start_task", {"task_id": task_id, "bk_biz_id": BIZ})
    assert operate(api, task_id, "pause")["result"] is True
    last = engine_message(operate(api, task_id, "pause"))
    assert last.startswith("RuntimeError: can't not transit node(")
    assert last.endswith(") state from SUSPENDED to SUSPENDED")
    assert operate(api, task_id, "resume")["result"] is True
    client.post("/__mock__/clock", json={"until_idle": True})
    status = api.ok("get_task_status", {"task_id": task_id, "bk_biz_id": BIZ})
    assert status["data"]["state"] == "FINISHED"
    # Once finished, bk-sops marks the task current_flow "finished" and refuses before the engine.
    finished = "task with current_flow:finished cannot be {}"
    assert failure(operate(api, task_id, "pause"), 3545000) == finished.format("pauseed")
    assert failure(operate(api, task_id, "revoke"), 3545000) == finished.format("revokeed")


def test_resume_when_running(api):
    task_id = create(api)
    api.ok("start_task", {"task_id": task_id, "bk_biz_id": BIZ})
    last = engine_message(operate(api, task_id, "resume"))
    assert last.startswith("bamboo_engine.exceptions.InvalidOperationError: pipeline(")
    assert last.endswith(") state is: RUNNING")


def test_revoke_when_revoked(api):
    task_id = create(api)
    api.ok("start_task", {"task_id": task_id, "bk_biz_id": BIZ})
    assert operate(api, task_id, "revoke")["message"] == "success"
    assert failure(operate(api, task_id, "revoke"), 3545000) == (
        "task with current_flow:finished cannot be revokeed"
    )
    assert failure(operate(api, task_id, "resume"), 3545000) == (
        "task with current_flow:finished cannot be resumeed"
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "[API] query_task_list params group_by[None] is invalid"),
        ({"group_by": "colour"}, "[API] query_task_list params group_by[colour] is invalid"),
        ({"group_by": ["status"]}, "[API] query_task_list params group_by[['status']] is invalid"),
        (
            {"group_by": "status", "conditions": []},
            "[API] query_task_list params conditions[[]] are invalid dict data",
        ),
        (
            {"group_by": "status", "conditions": "name=x"},
            "[API] query_task_list params conditions[name=x] are invalid dict data",
        ),
    ],
)
def test_query_task_count_errors(api, params, message):
    body = api.call("query_task_count", {"bk_biz_id": BIZ}, {"scope": "cmdb_biz", **params})
    assert failure(body, 3540000) == message


def test_query_task_count_with_an_empty_body(api, client):
    body = client.post(f"/apigw/query_task_count/{BIZ}/", headers=api.headers).json()
    assert failure(body, 3540000) == "invalid json format"


def test_wrong_method_is_405_with_allow(api, client):
    answer = client.get(f"/apigw/create_task/{TEMPLATE}/{BIZ}/", headers=api.headers)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"


@pytest.mark.parametrize(
    "path",
    [
        "/apigw/get_task_status/abc/2/",
        "/apigw/get_task_status/-1/2/",
        "/apigw/get_template_list/two/",
        "/apigw/no_such_operation/2/",
        "/api/bk-sops/prod/get_task_status/1/x/",
    ],
)
def test_unknown_paths_and_non_numeric_ids_are_404(api, client, path):
    answer = client.get(path, headers=api.headers)
    assert answer.status_code == 404
    assert answer.json()["code_name"] == "API_NOT_FOUND"
