"""How the task and node operations find their task and node, and the texts bk-sops gives when
they are missing (each view words it its own way)."""

from __future__ import annotations

import json
from typing import Any

from mockserver.call import Call
from mockserver.errors import CONTENT_NOT_EXIST, ApiError
from mockserver.state import MockState
from simulator import TaskInfo
from simulator.taskdata import has_node


def project_task(call: Call, mock: MockState) -> TaskInfo | None:
    """The task of the path, when it belongs to the call's project."""
    task = mock.engine.find_task(call.ids["task_id"])
    if task is None or task.project_id != call.require_project().project_id:
        return None
    return task


def view_missing(call: Call, view: str) -> ApiError:
    """The not-found answer of get_task_detail, get_task_node_detail and node_callback (sic:
    "biz_id" is followed by the id without "=")."""
    project = call.require_project()
    return ApiError(
        CONTENT_NOT_EXIST,
        f"[API] {view} task[id={call.ids['task_id']}] of project[project_id="
        f"{project.project_id}, biz_id{project.bk_biz_id}] does not exist",
    )


def node_missing_text(task_id: int, node_id: Any, where: str) -> str:
    # bk-sops builds this inside gettext with an f-string, so it is never translated.
    return (
        f"节点状态请求失败: 任务[ID: {task_id}]中未找到节点[ID: {node_id}]. 请重试. "
        f"如持续失败可联系管理员处理 | {where}"
    )


def knows_node(mock: MockState, task: TaskInfo, node_id: Any) -> bool:
    return has_node(mock.engine, task.id, node_id)


def subprocess_stack(call: Call) -> Any:
    """The parsed subprocess_stack, or None when it is not JSON."""
    raw = call.params.get("subprocess_stack", "[]")
    try:
        return json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def find_tree_node(tree: dict[str, Any], node_id: str) -> dict[str, Any] | None:
    """A node of a task tree by id, looking inside subprocess trees too."""
    for key in ("start_event", "end_event"):
        if tree.get(key, {}).get("id") == node_id:
            found: dict[str, Any] = tree[key]
            return found
    for group in ("activities", "gateways"):
        if node_id in tree.get(group, {}):
            node: dict[str, Any] = tree[group][node_id]
            return node
    for activity in tree.get("activities", {}).values():
        nested = activity.get("pipeline")
        if isinstance(nested, dict):
            inner = find_tree_node(nested, node_id)
            if inner is not None:
                return inner
    return None
