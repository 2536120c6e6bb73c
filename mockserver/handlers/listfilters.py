"""get_task_list's form: the filters it applies and the create-time bounds it parses, with the
rules of bk-sops's GetTaskListForm (Django form fields)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from simulator.taskdata import TaskRow

BOUND_ERROR = (
    "无法解析日期格式: {}，支持的格式：YYYY-MM-DD HH:MM:SS、YYYY-MM-DD HH:MM:SS +HHMM、"
    "YYYY-MM-DD HH:MM:SS+HHMM、YYYY-MM-DDTHH:MM:SSZ 或 YYYY-MM-DD"
)
ISO_FORMATS = (
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
)
OFFSET_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M %z",
    "%Y-%m-%d %H:%M%z",
)
NAIVE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def form_boolean(value: Any) -> bool:
    """Django's CheckboxInput: "true"/"false" in any case, else the value's truth ("0" is true)."""
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    return bool(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _template_id(task: TaskRow) -> str:
    return "" if task.template_source == "onetime" else str(task.template_id)


def _template_ids(value: Any) -> list[str]:
    return [part.strip() for part in _text(value).split(",") if part.strip()]


Filter = Callable[[TaskRow, Any], bool]
# Applied when the parameter is present, even empty: executor= keeps the tasks nobody started.
FORM_FILTERS: dict[str, Filter] = {
    "keyword": lambda task, value: _text(value) in task.name,
    "is_started": lambda task, value: task.is_started == form_boolean(value),
    "is_finished": lambda task, value: task.is_finished == form_boolean(value),
    "executor": lambda task, value: task.executor == _text(value),
    "create_method": lambda task, value: task.create_method == _text(value),
    "template_id": lambda task, value: _template_id(task) == _text(value),
    "template_ids": lambda task, value: _template_id(task) in _template_ids(value),
    # The mock makes no child tasks (independent subprocesses run inside their node).
    "is_child_taskflow": lambda task, value: not form_boolean(value),
}


def parse_bound(value: Any, is_end: bool, tz: tzinfo) -> tuple[datetime | None, str | None]:
    """A create-time bound: (the moment or None, the form error or None)."""
    if not value:
        return None, None
    text = _text(value).strip()
    if "T" in text or text.endswith("Z"):
        for fmt in ISO_FORMATS:
            found = _strptime(text, fmt)
            if found is not None:
                return (found.replace(tzinfo=UTC) if fmt.endswith("Z") else found), None
    for fmt in OFFSET_FORMATS:
        found = _strptime(text, fmt)
        if found is not None:
            return found, None
    for fmt in NAIVE_FORMATS:
        found = _strptime(text, fmt)
        if found is not None:
            if fmt == "%Y-%m-%d" and is_end:
                found = found.replace(hour=23, minute=59, second=59, microsecond=999999)
            return found.replace(tzinfo=tz), None
    return None, BOUND_ERROR.format(text)


def _strptime(text: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text, fmt)  # noqa: DTZ007 - zones are applied by the caller
    except ValueError:
        return None
