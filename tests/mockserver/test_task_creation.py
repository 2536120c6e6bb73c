"""create_and_start_task and fast_create_task: answers, quirks and errors."""

from __future__ import annotations

import json

import pytest

from mockserver.settings import Settings

from .api import FAMILIES, Api
from .taskflow import LINEAR, SINGLE, failure, idle, status


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # About creating tasks, not the queued start (test_start_queue.py): starts run at once.
    return settings.with_(start_delay=(0.0, 0.0))


OPTIONAL_NODE = "9fb669db14d3d5f336e9df68559b47e0"  # template 39
INVALID_BODY = "非法请求: 数据错误, 请求不是合法的Json格式 | validate"


def _ids(template: int, biz: int = 2) -> dict:
    return {"template_id": template, "bk_biz_id": biz}


@pytest.mark.parametrize("family", FAMILIES)
def test_create_and_start_task_creates_and_starts(client, family):
    api = Api(client, family)
    body = api.ok("create_and_start_task", _ids(LINEAR), {"name": f"run via {family}"})
    assert list(body["data"]) == ["pipeline_tree", "task_id", "task_url"]
    task = {"ids": {"task_id": body["data"]["task_id"], "bk_biz_id": 2}}
    assert status(api, task)["state"] == "RUNNING"
    idle(client)
    assert status(api, task)["state"] == "FINISHED"
    detail = api.ok("get_task_detail", task["ids"])["data"]
    assert detail["pipeline_tree"] == body["data"]["pipeline_tree"]
    listed = api.ok("get_task_list", {"bk_biz_id": 2})["data"][0]
    # The view stores template_source as given, "business" by default.
    assert (listed["id"], listed["template_source"]) == (body["data"]["task_id"], "business")


def test_only_business_selects_project_templates(api):
    body = api.call(
        "create_and_start_task", _ids(LINEAR), {"name": "x", "template_source": "project"}
    )
    assert failure(body, 3540400) == f"common template[id={LINEAR}] does not exist"
    common = api.ok(
        "create_and_start_task", _ids(10001), {"name": "c", "template_source": "common"}
    )
    assert api.ok("get_task_list", {"bk_biz_id": 2})["data"][0]["template_source"] == "common"
    assert common["data"]["task_id"]
    missing = api.call("create_and_start_task", _ids(999), {"name": "x"})
    assert failure(missing, 3540400) == (
        "template[id=999] of project[project_id=1,biz_id=2] does not exist"
    )


def test_a_functional_task_is_created_but_waits_for_its_claim(api):
    body = api.ok("create_and_start_task", _ids(SINGLE), {"name": "f", "flow_type": "common_func"})
    task = {"ids": {"task_id": body["data"]["task_id"], "bk_biz_id": 2}}
    assert status(api, task)["state"] == "CREATED"


def test_starting_a_functional_task_answers_success_and_leaves_it_created(api):
    made = api.ok("create_task", _ids(SINGLE), {"name": "f", "flow_type": "common_func"})
    task = {"ids": {"task_id": made["data"]["task_id"], "bk_biz_id": 2}}
    for _ in range(2):  # never started, so never "already started"
        assert api.ok("start_task", task["ids"])["result"] is True
        assert status(api, task)["state"] == "CREATED"
    plain = api.ok("create_task", _ids(SINGLE), {"name": "p"})["data"]["task_id"]
    api.ok("start_task", {"task_id": plain, "bk_biz_id": 2})
    again = api.call("start_task", {"task_id": plain, "bk_biz_id": 2})
    assert failure(again, 3545000) == "task already started"


def test_schemes_exclude_nodes_and_execute_lists_are_not_read(api):
    schemed = api.ok("create_and_start_task", _ids(39), {"name": "s", "template_schemes_id": 2})
    kept = {a["template_node_id"] for a in schemed["data"]["pipeline_tree"]["activities"].values()}
    assert OPTIONAL_NODE not in kept and len(kept) == 3
    execute = api.ok("create_and_start_task", _ids(39), {"name": "e", "execute_task_nodes_id": []})
    assert len(execute["data"]["pipeline_tree"]["activities"]) == 4
    only = {"name": "e", "execute_task_nodes_id": [OPTIONAL_NODE]}
    ignored = api.ok("create_and_start_task", _ids(39), only)
    assert len(ignored["data"]["pipeline_tree"]["activities"]) == 4
    both = api.call("create_and_start_task", _ids(39), {**only, "template_schemes_id": [1]})
    assert failure(both, 3540000) == (
        "template_schemes_id can not be used with exclude_task_nodes_id or execute_task_nodes_id"
    )


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"name": ""}, 3540000, "task parmas is invalid: '' should be non-empty"),
        ({}, 3540000, INVALID_BODY),
        ({"name": "x", "callback_url": "ftp://x"}, 3540000,
         r"callback_url format error, must match ^https?://\w.+$"),
        ({"name": "x", "exclude_task_nodes_id": ["631b6576cc5dfbdcaa4f510ce88a7e67"]}, 3599999,
         "task node[id=631b6576cc5dfbdcaa4f510ce88a7e67] is not optional"),
    ],
    ids=["empty-name", "empty-body", "bad-callback-url", "not-optional"],
)  # fmt: skip
def test_create_and_start_task_errors(api, body, code, message):
    answer = failure(api.call("create_and_start_task", _ids(SINGLE), body), code)
    assert answer.split("\n\n")[0] == message  # the whole text: test_bk_sops_words.py


def test_an_empty_callback_url_means_none(api):
    api.ok("create_and_start_task", _ids(SINGLE), {"name": "x", "callback_url": ""})


def test_create_and_start_task_needs_an_app_code(client):
    api = Api(client, headers={"X-Bkapi-Authorization": json.dumps({"access_token": "xxx"})})
    body = api.call("create_and_start_task", _ids(SINGLE), {"name": "x"})
    assert failure(body, 3540400) == (
        "app_code cannot be empty, make sure api gateway has sent correct params"
    )


def _tree(api, template: int, biz: int = 2) -> dict:
    info = api.ok("get_template_info", {"template_id": template, "bk_biz_id": biz})
    tree: dict = info["data"]["pipeline_tree"]
    return tree


def test_fast_create_task_makes_a_one_off_task(api, client):
    body = {"name": "a<b>'c'$&", "pipeline_tree": _tree(api, LINEAR), "category": "DevTools"}
    data = api.ok("fast_create_task", {"bk_biz_id": 2}, body)["data"]
    assert list(data) == ["task_id", "task_url", "pipeline_tree"]
    task = {"ids": {"task_id": data["task_id"], "bk_biz_id": 2}}
    assert status(api, task)["state"] == "CREATED"
    detail = api.ok("get_task_detail", task["ids"])["data"]
    assert (detail["name"], detail["template_id"]) == ("abc", "")
    listed = api.ok("get_task_list", {"bk_biz_id": 2})["data"][0]
    assert (listed["template_source"], listed["template_id"], listed["category"]) == (
        "onetime", "", "开发工具",
    )  # fmt: skip
    api.ok("start_task", task["ids"])
    idle(client)
    assert status(api, task)["state"] == "FINISHED"


def test_fast_create_task_fills_subprocess_trees_from_the_project(api, client):
    tree = _tree(api, 36)
    assert all("pipeline" not in a for a in tree["activities"].values())
    data = api.ok("fast_create_task", {"bk_biz_id": 2}, {"name": "sub", "pipeline_tree": tree})
    task = {"ids": {"task_id": data["data"]["task_id"], "bk_biz_id": 2}}
    api.ok("start_task", task["ids"])
    idle(client)
    done = status(api, task)
    assert done["state"] == "FINISHED"
    assert any(child["children"] for child in done["children"].values())
    elsewhere = api.call("fast_create_task", {"bk_biz_id": 3}, {"name": "x", "pipeline_tree": tree})
    assert failure(elsewhere, 3540000) == (
        "[API] fast_create_task get invalid template_id: 37, template_id should belong to "
        "current project."
    )


def test_fast_create_task_defaults(api):
    body = {"name": "n", "pipeline_tree": _tree(api, SINGLE), "category": "Sports"}
    body["flow_type"] = "common_func"
    data = api.ok("fast_create_task", {"bk_biz_id": 2}, body)["data"]
    (item,) = api.ok("get_tasks_status", {"bk_biz_id": 2}, {"task_id_list": [data["task_id"]]})[
        "data"
    ]
    assert item["current_flow"] == "func_claim"
    assert api.ok("get_task_list", {"bk_biz_id": 2})["data"][0]["category"] == "默认分类"


def test_fast_create_task_errors(api):
    tree = _tree(api, SINGLE)
    biz = {"bk_biz_id": 2}
    empty = api.call("fast_create_task", biz)
    assert failure(empty, 3540000) == INVALID_BODY and "trace_id" not in empty
    no_tree = api.call("fast_create_task", biz, {"name": "x"})
    assert failure(no_tree, 3540000) == (
        "[API] fast_create_task get invalid pipeline_tree: 'pipeline_tree'"
    )
    assert no_tree["data"] is None and "trace_id" not in no_tree
    broken = json.loads(json.dumps(tree))
    del broken["end_event"]
    text = failure(
        api.call("fast_create_task", biz, {"name": "x", "pipeline_tree": broken}), 3540000
    )
    assert text.startswith("[API] fast_create_task get invalid pipeline_tree: ")
    assert "end_event" in text
    unreachable = json.loads(json.dumps(tree))
    flow = next(iter(unreachable["flows"].values()))
    flow["target"] = unreachable["start_event"]["id"]
    looped = api.call("fast_create_task", biz, {"name": "x", "pipeline_tree": unreachable})
    assert failure(looped, 3540000).startswith("[API] fast_create_task get invalid pipeline_tree: ")
    nameless = api.call("fast_create_task", biz, {"pipeline_tree": tree})
    assert failure(nameless, 3540000) == "invalid params: 'name'" and nameless["trace_id"]
