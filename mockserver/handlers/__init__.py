"""One function per operation, looked up by the operation's name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.call import Call
from mockserver.state import MockState

from . import (
    common_templates,
    counts,
    creation,
    details,
    listing,
    nodes,
    preparing,
    projects,
    tasks,
    templates,
)

Handler = Callable[[Call, MockState], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    "get_template_list": templates.get_template_list,
    "get_template_info": templates.get_template_info,
    "create_task": tasks.create_task,
    "start_task": tasks.start_task,
    "operate_task": tasks.operate_task,
    "get_task_status": tasks.get_task_status,
    "query_task_count": counts.query_task_count,
    "operate_node": nodes.operate_node,
    "node_callback": nodes.node_callback,
    "get_task_detail": details.get_task_detail,
    "get_task_node_detail": details.get_task_node_detail,
    "get_task_node_data": details.get_task_node_data,
    "get_tasks_status": listing.get_tasks_status,
    "get_task_list": listing.get_task_list,
    "create_and_start_task": creation.create_and_start_task,
    "fast_create_task": creation.fast_create_task,
    "get_common_template_list": common_templates.get_common_template_list,
    "get_common_template_info": common_templates.get_common_template_info,
    "get_user_project_list": projects.get_user_project_list,
    "get_user_project_detail": projects.get_user_project_detail,
    "preview_task_tree": preparing.preview_task_tree,
    "modify_constants_for_task": preparing.modify_constants_for_task,
}
