"""How a task is created: bk-sops's create_task parameters as the engine reads them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Required, TypedDict


class TaskOptions(TypedDict, total=False):
    """How a task is created (bk-sops's create_task parameters, as the engine reads them)."""

    name: Required[str]
    creator: Required[str]
    project_id: Required[int]
    flow_type: str
    constants: Mapping[str, Any] | None
    exclude_task_nodes_id: Sequence[str]
    create_method: str
    create_info: str
    description: str
    template_source: str
    cycle_tolerate: bool


def task_params(options: TaskOptions) -> dict[str, Any]:
    """The options with their defaults, as a task record keeps them."""
    return {
        "name": options["name"],
        "creator": options["creator"],
        "project_id": options["project_id"],
        "flow_type": options.get("flow_type", "common"),
        "constants": dict(options.get("constants") or {}),
        "exclude_task_nodes_id": list(options.get("exclude_task_nodes_id", ())),
        "create_method": options.get("create_method", "api"),
        "create_info": options.get("create_info", ""),
        "description": options.get("description", ""),
        "template_source": options.get("template_source", "project"),
        "cycle_tolerate": options.get("cycle_tolerate", True),
    }
