"""Answers of a deployment's read operations turned into fixture entries (fixture.schema.json)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# What the fixture needs but the project reads do not tell; each use is listed in the summary.
PROJECT_DEFAULTS: dict[str, Any] = {
    "time_zone": "Asia/Shanghai",
    "desc": "",
    "creator": "admin",
    "create_at": "2020-01-01T00:00:00+08:00",
}
_SHANGHAI = timezone(timedelta(hours=8))
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S")
TEMPLATE_KEYS = ("id", "name", "category", "creator", "create_time", "editor", "edit_time")


def iso_time(text: Any) -> tuple[str, bool]:
    """An ISO 8601 time with an offset, and whether the offset was assumed (+08:00)."""
    if not isinstance(text, str):
        return PROJECT_DEFAULTS["create_at"], True
    for fmt in _TIME_FORMATS:
        try:
            value = datetime.strptime(text, fmt)  # noqa: DTZ007 - a naive one gets +08:00 below
            break
        except ValueError:
            continue
    else:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return PROJECT_DEFAULTS["create_at"], True
    if value.tzinfo is None:
        return value.replace(tzinfo=_SHANGHAI).isoformat(), True
    return value.isoformat(), False


def project_entry(item: dict[str, Any], detail: dict[str, Any] | None) -> dict[str, Any]:
    entry = {
        "project_id": int(item["project_id"]),
        "bk_biz_id": int(item["bk_biz_id"]),
        "name": str(item.get("name") or item.get("project_name") or item["bk_biz_id"]),
        "from_cmdb": bool((detail or {}).get("from_cmdb", int(item["bk_biz_id"]) > 0)),
        **PROJECT_DEFAULTS,
    }
    return entry


def template_entry(
    info: dict[str, Any], project_id: int | None, notes: list[str]
) -> dict[str, Any]:
    """A fixture template from get_template_info / get_common_template_info data."""
    entry: dict[str, Any] = {key: info.get(key) for key in TEMPLATE_KEYS}
    entry["id"] = int(info["id"])
    entry["category"] = info.get("category") or "Default"
    entry["creator"] = info.get("creator") or "admin"
    for key in ("create_time", "edit_time"):
        entry[key], assumed = iso_time(info.get(key))
        if assumed:
            notes.append(f"{key} {info.get(key)!r}: no UTC offset, +08:00 assumed")
    entry["description"] = info.get("description")
    entry["pipeline_tree"] = info["pipeline_tree"]
    if project_id is not None:
        entry["project_id"] = project_id
    return entry


def component_codes(tree: dict[str, Any]) -> set[str]:
    """Plugin codes of a tree's service activities (subprocess trees included)."""
    codes: set[str] = set()
    for activity in (tree.get("activities") or {}).values():
        component = activity.get("component") if isinstance(activity, dict) else None
        if isinstance(component, dict) and isinstance(component.get("code"), str):
            codes.add(component["code"])
        inner = activity.get("pipeline") if isinstance(activity, dict) else None
        if isinstance(inner, dict):
            codes |= component_codes(inner)
    return codes


def fill_subprocesses(
    tree: dict[str, Any], project: dict[int, Any], common: dict[int, Any], depth: int = 0
) -> list[str]:
    """Give each SubProcess node that came without its `pipeline` the tree of the template it
    names (some reads, e.g. common template info, never unfold them); returns what was filled."""
    filled: list[str] = []
    for activity in (tree.get("activities") or {}).values():
        if not isinstance(activity, dict) or activity.get("type") != "SubProcess":
            continue
        inner = activity.get("pipeline")
        if inner is None and depth < 8:
            source = common if activity.get("template_source") == "common" else project
            found = source.get(activity.get("template_id"))  # type: ignore[arg-type]
            if found is not None:
                inner = copy.deepcopy(found)
                activity["pipeline"] = inner
                filled.append(str(activity.get("template_id")))
        if isinstance(inner, dict):
            filled += fill_subprocesses(inner, project, common, depth + 1)
    return filled


def public_url(url: str) -> str:
    """A URL without user info, query or fragment: what may be written into a fixture."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
