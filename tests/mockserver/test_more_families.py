"""The operations beyond the 2018 doc answer on every URL family, ids in the path (backend and
gateway, in each operation's own order) or as parameters (ESB)."""

from __future__ import annotations

import pytest

from .api import FAMILIES, Api
from .taskflow import LINEAR, PAUSING, PAUSING_NODE, create, idle, node_of, start, status


@pytest.mark.parametrize("family", FAMILIES)
def test_task_and_node_operations_on_a_family(client, family):
    api = Api(client, family)
    task = create(api, PAUSING, name=f"via {family}")
    ids, reversed_ids = task["ids"], {"bk_biz_id": 2, "task_id": task["task_id"]}
    node = node_of(task["pipeline_tree"], PAUSING_NODE)
    if family != "gateway":  # not one of the gateway's resources (api-resources.yml)
        api.ok("modify_constants_for_task", ids, {"constants": {"${change_script}": "echo"}})
    start(api, task)
    idle(client)
    assert api.ok("get_task_detail", ids)["data"]["id"] == task["task_id"]
    detail = api.ok("get_task_node_detail", ids, {"node_id": node})["data"]
    data = api.ok("get_task_node_data", reversed_ids, {"node_id": node})["data"]
    assert detail["state"] == "RUNNING" and detail["inputs"] == data["inputs"]
    (item,) = api.ok("get_tasks_status", {"bk_biz_id": 2}, {"task_id_list": [task["task_id"]]})[
        "data"
    ]
    assert item["status"]["state"] == "RUNNING"
    assert api.ok("get_task_list", {"bk_biz_id": 2})["data"][0]["id"] == task["task_id"]
    api.ok("node_callback", ids, {"node_id": node})
    idle(client)
    assert status(api, task)["state"] == "FINISHED"
    preview = api.ok("preview_task_tree", {"bk_biz_id": 2, "template_id": LINEAR}, {"version": ""})
    tree = preview["data"]["pipeline_tree"]
    fast = api.ok("fast_create_task", {"bk_biz_id": 2}, {"name": "fast", "pipeline_tree": tree})
    assert fast["data"]["task_id"] == task["task_id"] + 1
