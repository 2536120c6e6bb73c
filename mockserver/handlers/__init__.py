"""One function per operation, looked up by the operation's name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.call import Call
from mockserver.state import MockState

from . import counts, tasks, templates

Handler = Callable[[Call, MockState], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    "get_template_list": templates.get_template_list,
    "get_template_info": templates.get_template_info,
    "create_task": tasks.create_task,
    "start_task": tasks.start_task,
    "operate_task": tasks.operate_task,
    "get_task_status": tasks.get_task_status,
    "query_task_count": counts.query_task_count,
}
