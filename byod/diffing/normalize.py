"""Volatile values replaced by references, and an answer's shape (path -> JSON types).

Task ids become `<task#n>` by the order the script created them, so the same reference means
the same task on both sides; times, urls, trace ids and generated node ids become one marker
each, since what they hold can never agree between two targets.
"""

from __future__ import annotations

import json
import re
from typing import Any

_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")
_HEX_ID = re.compile(r"^[a-z]?[0-9a-f]{31,32}$")
_URL = re.compile(r"^https?://")
_DIGITS = re.compile(r"\d+")
TASK_KEYS = {"task_id", "id", "instance_id", "taskflow_id"}
ENUM_KEYS = {"state", "code", "result", "action", "status", "category", "create_method"}


def normalise(value: Any, tasks: dict[int, str], key: str = "") -> Any:
    if isinstance(value, dict):
        return {_key(k): normalise(v, tasks, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(item, tasks, key) for item in value]
    if key == "trace_id" and isinstance(value, str):
        return "<trace>"
    if isinstance(value, int) and not isinstance(value, bool) and key in TASK_KEYS:
        return tasks.get(value, value)
    if isinstance(value, str):
        if _TIME.match(value):
            return "<time>"
        if _URL.match(value):
            return "<url>"
        if _HEX_ID.match(value):
            return "<node>"
    return value


def _key(key: str) -> str:
    return "<node>" if _HEX_ID.match(key) else key


def message_text(message: Any) -> Any:
    """An error message with its numbers hidden (they name ids that differ by target)."""
    return _DIGITS.sub("N", message) if isinstance(message, str) else message


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shape(
    value: Any, path: str = "$", out: dict[str, set[str]] | None = None
) -> dict[str, set[str]]:
    out = {} if out is None else out
    out.setdefault(path, set()).add(type_name(value))
    if isinstance(value, dict):
        for key, item in value.items():
            shape(item, f"{path}.{key}", out)
    elif isinstance(value, list):
        for item in value:
            shape(item, f"{path}[]", out)
    return out


def enum_values(
    value: Any, path: str = "$", out: dict[str, set[str]] | None = None
) -> dict[str, set[str]]:
    """Values of the enum-like keys (state, code, result...), per path."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}"
            if key in ENUM_KEYS and isinstance(item, str | int | bool):
                out.setdefault(sub, set()).add(item if isinstance(item, str) else json.dumps(item))
            enum_values(item, sub, out)
    elif isinstance(value, list):
        for item in value:
            enum_values(item, f"{path}[]", out)
    return out
