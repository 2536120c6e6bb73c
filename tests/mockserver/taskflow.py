"""Helpers for the task and node operation tests: make tasks, find their nodes, move time."""

from __future__ import annotations

from typing import Any

BIZ = 2  # project 1
OTHER_BIZ = 3  # project 2
UNKNOWN_NODE = "n0000000000000000000000000000000"
ONCE_FAILING = 38  # its export node fails once, then succeeds on retry
ONCE_FAILING_NODE = "6ffe4ee36a06e9ad17296dc2a117363e"
ALWAYS_FAILING = 41  # project 2: its report node always fails
ALWAYS_FAILING_NODE = "f8ca96c63c27acf93c2d2ad19e10d391"
PAUSING = 32  # a pause_node waits for a callback
PAUSING_NODE = "f8fd10134528fb069f4b4aeed1e48633"
LINEAR = 31  # five nodes; ${health_status} is a pipeline output fed by a node
SINGLE = 30  # one job node
# The answer of bk-sops's ObjectDoesNotExist middleware, around the exception text.
NOT_EXIST = "数据不存在错误: 数据不存在错误, 错误内容 {} | process_exception"


def create(api: Any, template: int, biz: int = BIZ, **params: Any) -> dict[str, Any]:
    """create_task; returns its data plus `ids` for the task operations."""
    params.setdefault("name", f"task of {template}")
    body = api.ok("create_task", {"template_id": template, "bk_biz_id": biz}, params)
    data: dict[str, Any] = body["data"]
    data["ids"] = {"task_id": data["task_id"], "bk_biz_id": biz}
    return data


def node_of(tree: dict[str, Any], template_node: str) -> str:
    """The task node id of a template node (top level of the tree)."""
    for node_id, activity in tree["activities"].items():
        if activity.get("template_node_id") == template_node:
            return str(node_id)
    raise LookupError(template_node)


def start(api: Any, task: dict[str, Any]) -> None:
    api.ok("start_task", task["ids"])


def idle(client: Any) -> None:
    answer = client.post("/__mock__/clock", json={"until_idle": True})
    assert answer.status_code == 200, answer.text


def status(api: Any, task: dict[str, Any], **params: Any) -> dict[str, Any]:
    data: dict[str, Any] = api.ok("get_task_status", task["ids"], params)["data"]
    return data


def failure(body: dict[str, Any], code: int) -> Any:
    """The message of an error answer with this code."""
    assert body["result"] is False, body
    assert body["code"] == code, body
    return body["message"]
