"""claim_functionalization_task, get_task_operate_record and get_tasks_manual_intervention_state
over HTTP, on the URL families that serve them."""

from __future__ import annotations

import pytest

from mockserver.settings import Settings

from .api import FAMILIES, Api
from .taskflow import (
    ALWAYS_FAILING,
    BIZ,
    LINEAR,
    ONCE_FAILING,
    ONCE_FAILING_NODE,
    OTHER_BIZ,
    PAUSING,
    PAUSING_NODE,
    SINGLE,
    create,
    failure,
    idle,
    node_of,
    start,
    status,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # About claims and records, not the queued start (test_start_queue.py): starts run at once.
    return settings.with_(start_delay=(0.0, 0.0))


OFF_GATEWAY = ("backend", "esb", "esb-nov2")  # api-resources.yml does not publish these
NOT_FUNCTIONAL = "任务认领失败: 仅职能化任务才能认领, 请检查任务类型 | task_claim"
WRONG_FLOW = "任务认领失败: 仅职能化任务才能认领, 当前任务类型: {}, 请检查任务类型 | task_claim"
# a JSON body the test client sends (it sends none for {})
KEEP = {"name": ""}
NO_TASK = "claim_functionalization_task fail: TaskFlowInstance matching query does not exist."


def _functional(api, template: int = LINEAR, biz: int = BIZ) -> dict:
    return create(api, template, biz, flow_type="common_func")


def _flow(api, task) -> str:
    body = {"task_id_list": [task["task_id"]]}
    listed = api.ok("get_tasks_status", {"bk_biz_id": task["ids"]["bk_biz_id"]}, body)["data"]
    found: str = listed[0]["current_flow"]
    return found


# claim_functionalization_task ------------------------------------------------------------------
@pytest.mark.parametrize("family", FAMILIES)
def test_a_functional_task_runs_only_once_claimed(client, family):
    api = Api(client, family)
    task = _functional(api)
    assert _flow(api, task) == "func_claim"
    # bk-sops queues the start and its worker refuses it: success, and the task stays CREATED
    api.ok("start_task", task["ids"])
    idle(client)
    assert status(api, task)["state"] == "CREATED"
    claimed = api.ok("claim_functionalization_task", task["ids"], {"name": "认领后"})
    assert claimed["data"] == "success" and claimed["code"] == 0 and claimed["trace_id"]
    assert _flow(api, task) == "execute_task"
    detail = api.ok("get_task_detail", task["ids"])["data"]
    assert detail["name"] == "认领后"
    start(api, task)
    idle(client)
    assert status(api, task)["state"] == "FINISHED"


def test_a_claim_sets_constants_and_keeps_the_name_when_none_is_given(api):
    task = _functional(api)
    url = "http://claimed.example.com"
    api.ok("claim_functionalization_task", task["ids"], {"constants": {"${service_url}": url}})
    detail = api.ok("get_task_detail", task["ids"])["data"]
    assert detail["constants"]["${service_url}"]["value"] == url
    assert detail["name"] == f"task of {LINEAR}"


def test_claim_errors_change_nothing(api):
    task = _functional(api)
    common = create(api, LINEAR)
    locked = api.call(
        "claim_functionalization_task", task["ids"], {"constants": {"${health_status}": "1"}}
    )
    assert failure(locked, 3599999) == (
        "任务参数设置失败: 常量、输出参数 []、隐藏变量 [], 不可修改值, "
        "输出为 ['${health_status}']. 请检查变量配置 | set_task_constants"
    )
    assert _flow(api, task) == "func_claim"
    cases: list[tuple[dict, dict | None, int, str]] = [
        (task["ids"], None, 3540000, "request body is not a valid json"),
        ({"task_id": 999, "bk_biz_id": BIZ}, KEEP, 3599999, NO_TASK),
        ({**task["ids"], "bk_biz_id": OTHER_BIZ}, KEEP, 3599999, NO_TASK),
        (common["ids"], KEEP, 3599999, NOT_FUNCTIONAL),
        (task["ids"], {"constants": []}, 3599999, "constants must be an object"),
        (task["ids"], {"name": 5}, 3599999, "name must be a string"),
    ]
    for ids, body, code, message in cases:
        assert failure(api.call("claim_functionalization_task", ids, body), code) == message
    assert _flow(api, task) == "func_claim"
    api.ok("claim_functionalization_task", task["ids"], KEEP)
    again = api.call("claim_functionalization_task", task["ids"], KEEP)
    assert failure(again, 3599999) == WRONG_FLOW.format("execute_task")


def test_a_finished_functional_task_cannot_be_claimed_again(api, client):
    task = _functional(api)
    api.ok("claim_functionalization_task", task["ids"], KEEP)
    start(api, task)
    idle(client)
    again = api.call("claim_functionalization_task", task["ids"], KEEP)
    assert failure(again, 3599999) == WRONG_FLOW.format("finished")


# get_task_operate_record -----------------------------------------------------------------------
def _records(api, task, **params) -> list[dict]:
    ids = {"task_id": task["task_id"], "bk_biz_id": 1}  # project 1 by its own id
    rows: list[dict] = api.ok("get_task_operate_record", ids, {"scope": "project", **params})[
        "data"
    ]
    return rows


@pytest.mark.parametrize("family", FAMILIES)
def test_api_operations_are_recorded_in_order(client, family, advance):
    api = Api(client, family)
    task = create(api, ONCE_FAILING)
    start(api, task)
    advance(1)
    api.ok("operate_task", task["ids"], {"action": "pause"})
    api.ok("operate_task", task["ids"], {"action": "resume"})
    idle(client)
    node = node_of(task["pipeline_tree"], ONCE_FAILING_NODE)
    api.ok("operate_node", {**task["ids"]}, {"node_id": node, "action": "retry"})
    api.ok("operate_task", task["ids"], {"action": "revoke"})
    rows = _records(api, task)
    assert [(r["operate_type"], r["node_id"]) for r in rows] == [
        ("create", ""),
        ("start", ""),
        ("pause", ""),
        ("resume", ""),
        ("retry", node),
        ("revoke", ""),
    ]
    assert [r["operate_type_name"] for r in rows] == [
        "创建",
        "执行",
        "暂停",
        "继续",
        "重试",
        "撤消",
    ]
    first = rows[0]
    assert first == {
        "project_id": 1,
        "instance_id": task["task_id"],
        "operator": "admin",
        "operate_type": "create",
        "operate_date": "2026-01-05T10:00:00+08:00",
        "operate_source": "api",
        "node_id": "",
        "extra_info": {},
        "operate_type_name": "创建",
        "operate_source_name": "api 接口",
    }
    assert rows[2]["operate_date"] == "2026-01-05T10:00:01+08:00"
    assert _records(api, task, node_id=node) == [rows[4]]


def test_only_successful_recorded_views_write_records(api, client):
    task = _functional(api, PAUSING)
    api.ok("start_task", task["ids"])  # success, although the worker will refuse it
    api.ok("claim_functionalization_task", task["ids"], KEEP)  # not a recorded view
    api.ok("operate_task", task["ids"], {"action": "start"})
    assert failure(api.call("start_task", task["ids"]), 3545000) == "task already started"
    idle(client)
    node = node_of(task["pipeline_tree"], PAUSING_NODE)
    api.ok("node_callback", task["ids"], {"node_id": node})  # not a recorded view
    types = [r["operate_type"] for r in _records(api, task)]
    assert types == ["create", "start", "start"]


def test_the_other_ways_to_create_record_create_only(api, client):
    ids = {"template_id": SINGLE, "bk_biz_id": BIZ}
    made = api.ok("create_and_start_task", ids, {"name": "cs"})["data"]
    tree = api.ok("get_template_info", ids)["data"]["pipeline_tree"]
    fast = api.ok("fast_create_task", {"bk_biz_id": BIZ}, {"name": "f", "pipeline_tree": tree})
    for task_id in (made["task_id"], fast["data"]["task_id"]):
        rows = _records(api, {"task_id": task_id})
        assert [r["operate_type"] for r in rows] == ["create"]


def test_records_are_filtered_on_the_path_value_as_bk_sops_does(api):
    task = create(api, SINGLE)  # project 1, CMDB business 2
    assert _records(api, task)  # filed under project id 1
    # scope cmdb_biz: the view filters on project_id=2, the raw path value: nothing matches
    assert api.ok("get_task_operate_record", task["ids"])["data"] == []
    unknown = api.ok("get_task_operate_record", {"task_id": 999, "bk_biz_id": BIZ})
    assert unknown["data"] == [] and unknown["code"] == 0


def test_record_names_follow_the_language(api):
    task = create(api, SINGLE)
    ids = {"task_id": task["task_id"], "bk_biz_id": 1}
    rows = api.ok(
        "get_task_operate_record", ids, {"scope": "project"}, headers={"Accept-Language": "en"}
    )["data"]
    assert (rows[0]["operate_type_name"], rows[0]["operate_source_name"]) == (
        "Create",
        "app interface",
    )


def test_operate_record_of_an_unknown_project(api):
    body = api.call("get_task_operate_record", {"task_id": 1, "bk_biz_id": 99})
    assert failure(body, 3540400) == "project(99) with scope(cmdb_biz) does not exist."
    assert "trace_id" not in body


# get_tasks_manual_intervention_state -----------------------------------------------------------
@pytest.mark.parametrize("family", OFF_GATEWAY)
def test_which_tasks_wait_for_a_person(client, family, advance):
    api = Api(client, family)
    created = create(api, SINGLE)
    waiting = create(api, PAUSING)
    failed = create(api, ALWAYS_FAILING, OTHER_BIZ)
    finished = create(api, SINGLE)
    paused = create(api, LINEAR)
    for task in (waiting, finished, paused):
        start(api, task)
    start(api, failed)
    api.ok("operate_task", paused["ids"], {"action": "pause"})
    idle(client)
    ids = [t["task_id"] for t in (created, waiting, finished, paused)]
    answer = api.ok(
        "get_tasks_manual_intervention_state",
        {"bk_biz_id": BIZ},
        {"task_id_list": [*ids, failed["task_id"], 999]},
    )
    # newest first; the other project's task and the unknown id are left out
    assert answer["data"] == [
        {"id": paused["task_id"], "manual_intervention_required": True},
        {"id": finished["task_id"], "manual_intervention_required": False},
        {"id": waiting["task_id"], "manual_intervention_required": True},
        {"id": created["task_id"], "manual_intervention_required": False},
    ]
    other = api.ok(
        "get_tasks_manual_intervention_state",
        {"bk_biz_id": OTHER_BIZ},
        {"task_id_list": [str(failed["task_id"])]},
    )
    assert other["data"] == [{"id": failed["task_id"], "manual_intervention_required": True}]


def test_a_running_task_without_a_pause_node_needs_nobody(api):
    task = create(api, LINEAR)
    start(api, task)
    body = {"task_id_list": [task["task_id"]]}
    answer = api.ok("get_tasks_manual_intervention_state", {"bk_biz_id": BIZ}, body)
    assert answer["data"] == [{"id": task["task_id"], "manual_intervention_required": False}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "request body is not a valid json"),
        ({"task_id_list": "1,2"}, "task_id_list must be a list"),
        ({"task_id_list": list(range(1, 11))}, "task_ids_list length can not exceeds 10"),
        ({"task_id_list": ["x"]}, "Field 'id' expected a number but got 'x'."),
    ],
    ids=["empty-body", "not-a-list", "ten-ids", "not-a-number"],
)
def test_manual_intervention_state_errors(api, body, message):
    answer = api.call("get_tasks_manual_intervention_state", {"bk_biz_id": BIZ}, body)
    assert failure(answer, 3540000) == message
    assert answer["trace_id"]


def test_whole_number_floats_and_ids_past_64_bits_are_ids(api):
    task = create(api, SINGLE)
    # A whole float and an integer past 64 bits (the contract suite generated one): integers
    # to JSON Schema and to bk-sops's json and id__in lookup, so no refusal; neither is a task.
    body = {"task_id_list": [float(task["task_id"]), 22702453381803043454976, 5.0e30]}
    answer = api.ok("get_tasks_manual_intervention_state", {"bk_biz_id": BIZ}, body)
    assert answer["data"] == [{"id": task["task_id"], "manual_intervention_required": False}]


def test_nine_ids_and_none_are_accepted(api):
    nine = api.ok(
        "get_tasks_manual_intervention_state", {"bk_biz_id": BIZ}, {"task_id_list": [1] * 9}
    )
    assert nine["data"] == []
    none = api.ok("get_tasks_manual_intervention_state", {"bk_biz_id": BIZ}, {"scope": "cmdb_biz"})
    assert none["data"] == []
