"""A failed node over HTTP: seen FAILED, inspected, then retried (with new inputs) or skipped
until the task finishes; a waiting node finishes after node_callback."""

from __future__ import annotations

from .taskflow import (
    ALWAYS_FAILING,
    ALWAYS_FAILING_NODE,
    ONCE_FAILING,
    ONCE_FAILING_NODE,
    OTHER_BIZ,
    PAUSING,
    PAUSING_NODE,
    create,
    idle,
    node_of,
    start,
    status,
)


def _fail(api, client, template, template_node, biz):
    task = create(api, template, biz)
    node = node_of(task["pipeline_tree"], template_node)
    start(api, task)
    idle(client)
    shown = status(api, task, with_ex_data="1")
    assert shown["state"] == "FAILED"
    assert shown["children"][node]["state"] == "FAILED"
    detail = api.ok("get_task_node_detail", task["ids"], {"node_id": node})["data"]
    assert detail["state"] == "FAILED" and detail["ex_data"]
    assert shown["ex_data"] == {node: detail["ex_data"]}
    return task, node, detail


def test_a_failed_node_is_retried_with_new_inputs_and_the_task_finishes(api, client):
    task, node, failed = _fail(api, client, ONCE_FAILING, ONCE_FAILING_NODE, 2)
    assert "Lost connection" in failed["ex_data"]
    ids = {"bk_biz_id": 2, "task_id": task["task_id"]}
    new_inputs = {"job_script_timeout": "1800"}
    api.ok("operate_node", ids, {"node_id": node, "action": "retry", "inputs": new_inputs})
    retried = api.ok("get_task_node_detail", task["ids"], {"node_id": node})["data"]
    assert retried["state"] == "RUNNING" and retried["retry"] == 1
    # bk-sops hands the inputs to bamboo's set_data_inputs: they replace the node's, not merge
    assert retried["inputs"] == new_inputs and "job_content" in failed["inputs"]
    idle(client)
    done = status(api, task)
    assert done["state"] == "FINISHED"
    assert done["children"][node]["retry"] == 1
    finished = api.ok("get_task_node_detail", task["ids"], {"node_id": node})["data"]
    assert finished["state"] == "FINISHED" and finished["ex_data"] is None
    assert finished["inputs"] == new_inputs
    (earlier,) = finished["histories"]
    assert (earlier["version"], earlier["ex_data"]) == (failed["version"], failed["ex_data"])
    assert earlier["inputs"] == failed["inputs"]
    # bamboo-engine's get_node_histories keys, then what bk-sops's get_node_detail_v2 adds
    assert list(earlier) == [
        "id", "node_id", "loop", "skip", "version", "inputs", "outputs", "ex_data", "state",
        "history_id", "children", "elapsed_time", "start_time", "finish_time",
    ]  # fmt: skip


def test_a_retry_with_empty_inputs_keeps_the_node_inputs(api, client):
    task, node, failed = _fail(api, client, ONCE_FAILING, ONCE_FAILING_NODE, 2)
    ids = {"bk_biz_id": 2, "task_id": task["task_id"]}
    # bk-sops passes `inputs or None`: an empty object stores nothing
    api.ok("operate_node", ids, {"node_id": node, "action": "retry", "inputs": {}})
    retried = api.ok("get_task_node_detail", task["ids"], {"node_id": node})["data"]
    assert retried["state"] == "RUNNING" and retried["inputs"] == failed["inputs"]


def test_retry_inputs_render_references_unless_escaped(api, client):
    task, node, _ = _fail(api, client, ONCE_FAILING, ONCE_FAILING_NODE, 2)
    ids = {"bk_biz_id": 2, "task_id": task["task_id"]}
    inputs = {"a": "dump ${db_host}", "b": "dump ${db_host}", "_escape_render_keys": ["b"]}
    api.ok("operate_node", ids, {"node_id": node, "action": "retry", "inputs": inputs})
    retried = api.ok("get_task_node_detail", task["ids"], {"node_id": node})["data"]
    # the template's ${db_host} is 10.0.7.3; bamboo pops _escape_render_keys from the inputs
    assert retried["inputs"] == {"a": "dump 10.0.7.3", "b": "dump ${db_host}"}


def test_a_failed_node_is_skipped_and_the_task_finishes(api, client):
    task, node, _ = _fail(api, client, ALWAYS_FAILING, ALWAYS_FAILING_NODE, OTHER_BIZ)
    ids = {"bk_biz_id": OTHER_BIZ, "task_id": task["task_id"]}
    api.ok("operate_node", ids, {"node_id": node, "action": "skip"})
    idle(client)
    done = status(api, task)
    assert done["state"] == "FINISHED"
    assert done["children"][node]["state"] == "FINISHED" and done["children"][node]["skip"]
    # Every other node ran after the skip.
    assert {child["state"] for child in done["children"].values()} == {"FINISHED"}


def test_a_node_waiting_for_a_callback_finishes_after_node_callback(api, client):
    task = create(api, PAUSING)
    node = node_of(task["pipeline_tree"], PAUSING_NODE)
    start(api, task)
    idle(client)
    waiting = status(api, task)
    assert waiting["state"] == "RUNNING"
    assert waiting["children"][node]["state"] == "RUNNING"
    version = waiting["children"][node]["version"]
    body = {"node_id": node, "callback_data": {"confirmed_by": "lina"}, "version": version}
    answer = api.ok("node_callback", task["ids"], body)
    assert answer["message"] == "success" and "data" not in answer
    idle(client)
    done = status(api, task)
    assert done["state"] == "FINISHED"
    assert done["children"][node]["state"] == "FINISHED"
    data = api.ok(
        "get_task_node_data", {"bk_biz_id": 2, "task_id": task["task_id"]}, {"node_id": node}
    )["data"]
    assert {"key": "confirmed_by", "value": "lina", "preset": False} in data["outputs"]
