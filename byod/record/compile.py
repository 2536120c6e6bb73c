"""A journal compiled into a fixture: the templates read, and per node of each task polled its
observed duration, outcome and ex_data as the template node's scenario (virtual-clock seconds).

Durations come from the status tree's start and finish times, so a replay on the mock's virtual
clock moves through the same states at the same readings as the recording did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import fixtures
from byod import convert
from byod.importer import Summary, valid_part


def _data(entry: dict[str, Any]) -> Any:
    response = entry.get("response")
    if isinstance(response, dict) and response.get("result") is True:
        return response.get("data")
    return None


def _seconds(start: Any, finish: Any) -> float | None:
    if not isinstance(start, str) or not isinstance(finish, str):
        return None
    a = datetime.fromisoformat(convert.iso_time(start)[0])
    b = datetime.fromisoformat(convert.iso_time(finish)[0])
    return max((b - a).total_seconds(), 0.0)


def compile_journal(entries: list[dict[str, Any]]) -> tuple[dict[str, Any], Summary]:
    summary = Summary()
    projects: dict[int, dict[str, Any]] = {}
    details: dict[int, Any] = {}
    templates: dict[int, dict[str, Any]] = {}
    commons: dict[int, dict[str, Any]] = {}
    tasks: dict[int, tuple[int, dict[str, str]]] = {}  # task -> template, task node -> tpl node
    last_status: dict[int, dict[str, Any]] = {}
    ex_data: dict[tuple[int, str], str] = {}
    for entry in entries:
        data, op = _data(entry), entry.get("op")
        if data is None:
            continue
        if op == "get_user_project_list":
            for item in data:
                projects[int(item["project_id"])] = item
        elif op == "get_user_project_detail":
            details[int(data["project_id"])] = data
        elif op == "get_template_info" and "pipeline_tree" in data:
            templates[int(data["id"])] = data
        elif op == "get_common_template_info" and "pipeline_tree" in data:
            commons[int(data["id"])] = data
        elif op == "create_task" and "template_id" in entry["ids"]:
            tree = data.get("pipeline_tree") or {}
            nodes = {
                node_id: str(node.get("template_node_id"))
                for node_id, node in (tree.get("activities") or {}).items()
                if isinstance(node, dict) and node.get("template_node_id")
            }
            tasks[int(data["task_id"])] = (int(entry["ids"]["template_id"]), nodes)
        elif op == "get_task_status" and "task_id" in entry["ids"]:
            last_status[int(entry["ids"]["task_id"])] = data
        elif op == "get_task_node_detail" and "task_id" in entry["ids"]:
            node = entry["params"].get("node_id")
            if isinstance(node, str) and isinstance(data, dict) and data.get("ex_data"):
                ex_data[(int(entry["ids"]["task_id"]), node)] = str(data["ex_data"])
    for info in templates.values():
        pid = int(info["project_id"])
        if pid not in projects:
            projects[pid] = {"project_id": pid, "bk_biz_id": info.get("bk_biz_id", pid),
                             "name": info.get("project_name") or str(pid)}  # fmt: skip
    entries_out = [
        convert.project_entry(item, details.get(pid)) for pid, item in sorted(projects.items())
    ]
    notes: list[str] = []
    out_templates = {
        tid: convert.template_entry(info, int(info["project_id"]), notes)
        for tid, info in sorted(templates.items())
    }
    for task_id, (template_id, nodes) in sorted(tasks.items()):
        template = out_templates.get(template_id)
        status = last_status.get(task_id)
        if template is None or status is None:
            why = "its template was not read" if template is None else "it was never polled"
            summary.skipped.append((f"task {task_id}", f"no scenarios: {why}"))
            continue
        for node_id, child in (status.get("children") or {}).items():
            scenario = _scenario(child, ex_data.get((task_id, node_id)))
            tpl_node = nodes.get(node_id)
            if scenario is not None and tpl_node is not None:
                template["scenarios"] = {**template.get("scenarios", {}), tpl_node: scenario}
        summary.add("tasks", str(task_id))
    fixture: dict[str, Any] = {
        "name": "recorded",
        "description": "Compiled by sops-mock record from what it saw.",
        "apps": [],
        "users": [],
        "projects": entries_out,
        "templates": list(out_templates.values()),
        "common_templates": [
            convert.template_entry(info, None, notes) for _, info in sorted(commons.items())
        ],
        "scenario_defaults": {},
    }
    fixture = valid_part(fixture, summary)
    for t in fixture["templates"]:
        summary.add("templates", f"{t['id']} {t['name']}")
    fixtures.validate(fixture, source="recording")
    return fixture, summary


def _scenario(child: Any, ex_data: str | None) -> dict[str, Any] | None:
    if not isinstance(child, dict):
        return None
    state = child.get("state")
    duration = _seconds(child.get("start_time"), child.get("finish_time"))
    if state == "FINISHED" and duration is not None:
        return {"duration": duration, "outcome": "succeed"}
    if state == "FAILED" and duration is not None:
        return {"duration": duration, "outcome": "fail", "ex_data": ex_data or "failed"}
    return None
