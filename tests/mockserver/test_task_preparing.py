"""preview_task_tree and modify_constants_for_task: a task's shape before it runs."""

from __future__ import annotations

import hashlib
import json

import pytest

import fixtures
from mockserver.settings import Settings

from .taskflow import LINEAR, NOT_EXIST, create, failure, idle, start


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # About preparing tasks, not the queued start (test_start_queue.py): starts run at once.
    return settings.with_(start_delay=(0.0, 0.0))


INSPECTION = 39  # its node 9fb669db... is optional
OPTIONAL_NODE = "9fb669db14d3d5f336e9df68559b47e0"
SINGLE_NODE = "631b6576cc5dfbdcaa4f510ce88a7e67"  # template 30, not optional
PREVIEW = {"bk_biz_id": 2, "template_id": INSPECTION}


def _template(template_id: int) -> dict:
    found: dict = next(t for t in fixtures.load("default")["templates"] if t["id"] == template_id)
    return found


def test_preview_leaves_out_the_excluded_node_and_keeps_template_ids(api):
    tree = _template(INSPECTION)["pipeline_tree"]
    body = {"exclude_task_nodes_id": [OPTIONAL_NODE]}
    data = api.ok("preview_task_tree", PREVIEW, body)["data"]
    preview = data["pipeline_tree"]
    assert set(preview["activities"]) == set(tree["activities"]) - {OPTIONAL_NODE}
    assert isinstance(preview["line"], list) and isinstance(preview["location"], list)
    assert set(data["constants_not_referred"]) == set(tree["constants"]) - set(preview["constants"])
    created = create(api, INSPECTION, exclude_task_nodes_id=[OPTIONAL_NODE])
    kept = {a["template_node_id"] for a in created["pipeline_tree"]["activities"].values()}
    assert kept == set(preview["activities"])
    assert set(created["pipeline_tree"]["constants"]) == set(preview["constants"])
    whole = api.ok("preview_task_tree", PREVIEW, {"exclude_task_nodes_id": []})["data"]
    assert set(whole["pipeline_tree"]["activities"]) == set(tree["activities"])


def test_preview_of_the_current_version(api):
    tree = _template(INSPECTION)["pipeline_tree"]
    text = json.dumps(tree, sort_keys=True, ensure_ascii=False)
    version = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    api.ok("preview_task_tree", PREVIEW, {"version": version})
    api.ok("preview_task_tree", PREVIEW, {"version": ""})
    old = api.call("preview_task_tree", PREVIEW, {"version": "1.0.0"})
    assert (
        failure(old, 3599999) == "preview_task_tree fail: Snapshot matching query does not exist."
    )


@pytest.mark.parametrize(
    ("ids", "body", "code", "message"),
    [
        (PREVIEW, None, 3540000, "request body is not a valid json"),
        (PREVIEW, {"exclude_task_nodes_id": OPTIONAL_NODE}, 3540000,
         "invalid exclude_task_nodes_id"),
        ({"bk_biz_id": 2, "template_id": 30}, {"exclude_task_nodes_id": [SINGLE_NODE]}, 3599999,
         f"preview_task_tree fail: task node[id={SINGLE_NODE}] is not optional"),
        (PREVIEW, {"exclude_task_nodes_id": [1]}, 3599999,
         "preview_task_tree fail: task node[id=1] is not in template pipeline tree"),
        (PREVIEW, {"exclude_task_nodes_id": [[1]]}, 3599999,
         "preview_task_tree fail: unhashable type: 'list'"),
        ({"bk_biz_id": 3, "template_id": INSPECTION}, {"version": None}, 3599999,
         "preview_task_tree fail: TaskTemplate matching query does not exist."),
    ],
    ids=["empty-body", "not-a-list", "not-optional", "not-in-tree", "unhashable", "other-project"],
)  # fmt: skip
def test_preview_errors(api, ids, body, code, message):
    assert failure(api.call("preview_task_tree", ids, body), code) == message


def test_constants_of_a_task_not_started_are_changed_and_used(api, client):
    task = create(api, LINEAR)
    url = "http://svc.example.com"
    body = {"constants": {"${service_url}": url, "${not_there}": 1}, "name": "ignored"}
    answer = api.ok("modify_constants_for_task", task["ids"], body)
    assert answer["data"] == "success"
    detail = api.ok("get_task_detail", task["ids"])["data"]
    assert detail["constants"]["${service_url}"]["value"] == url
    # The docs' name is not read.
    assert "${not_there}" not in detail["constants"] and detail["name"] == "task of 31"
    start(api, task)
    idle(client)
    display = next(
        node
        for node, act in task["pipeline_tree"]["activities"].items()
        if act["component"]["code"] == "bk_display"
    )
    inputs = api.ok("get_task_node_detail", task["ids"], {"node_id": display})["data"]["inputs"]
    assert inputs == {"bk_display_message": f"开始发布 {url}"}


def test_constants_fed_by_node_outputs_are_refused(api):
    task = create(api, LINEAR)
    body = {"constants": {"${health_status}": "200", "${service_url}": "x"}}
    answer = api.call("modify_constants_for_task", task["ids"], body)
    assert failure(answer, 3540000) == (
        "任务参数设置失败: 常量、输出参数 []、隐藏变量 [], 不可修改值, "
        "输出为 ['${health_status}']. 请检查变量配置 | set_task_constants"
    )
    detail = api.ok("get_task_detail", task["ids"])["data"]
    assert detail["constants"]["${service_url}"]["value"] != "x"


def test_constants_of_a_started_task_are_refused(api):
    task = create(api, LINEAR)
    start(api, task)
    body = api.call("modify_constants_for_task", task["ids"], {"constants": {}})
    assert failure(body, 3540000) == "task is started"


def test_modify_constants_errors(api):
    task = create(api, LINEAR)
    assert failure(api.call("modify_constants_for_task", task["ids"]), 3540000) == (
        "invalid json format"
    )
    bad = api.call("modify_constants_for_task", task["ids"], {"constants": ["${x}"]})
    assert failure(bad, 3540000) == "constants must be an object"
    missing = api.call(
        "modify_constants_for_task", {"task_id": 999, "bk_biz_id": 2}, {"constants": {}}
    )
    assert failure(missing, 3540400) == NOT_EXIST.format(
        "TaskFlowInstance matching query does not exist."
    )
