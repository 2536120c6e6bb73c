"""Task records and engine snapshots as JSON-ready dicts, and rebuilding from them.

A record holds everything a task's state follows from: template, create parameters with their
clock reading, the seed, the scenario snapshot taken at creation and the operation log.
Rebuilding replays the log; scheduled work runs at its own due times, as it did live.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import actions, views
from .models import TemplateSpec
from .scenarios import Scenario, ScenarioBook
from .task import Task

if TYPE_CHECKING:
    from .engine import Engine

FORMAT = 1


def _iso(us: int) -> str:
    moment = views.to_datetime(us)
    assert moment is not None
    return moment.isoformat()


def _us(text: str) -> int:
    return views.to_us(datetime.fromisoformat(text))


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def task_record(engine: Engine, task: Task, with_template: bool = True) -> dict[str, Any]:
    rt = task.runtime
    scenarios = {
        node.path: scenario.to_dict()
        for node, scenario in zip(rt.plan.nodes, rt.scenarios, strict=True)
        if scenario is not None
    }
    record: dict[str, Any] = {
        "task_id": task.id,
        "seed": engine.seed,
        "create": {
            "at": _iso(task.create_time),
            "name": task.name,
            "creator": task.creator,
            "project_id": task.project_id,
            "flow_type": task.flow_type,
            "constants": _plain(task.constants),
            "exclude_task_nodes_id": list(task.exclude),
            "create_method": task.create_method,
            "create_info": task.create_info,
            "description": task.description,
            "template_source": task.template_source,
            "cycle_tolerate": task.cycle_tolerate,
        },
        "scenarios": scenarios,
        "ops": [{"at": _iso(at), "op": name, "args": _plain(args)} for at, name, args in task.ops],
    }
    if with_template:
        record["template"] = _plain(task.template.to_dict())
    return record


def export_state(engine: Engine, tasks: Mapping[int, Task], next_id: int) -> dict[str, Any]:
    templates: list[dict[str, Any]] = []
    seen: dict[int, int] = {}
    records = []
    for task in tasks.values():
        key = id(task.template)
        if key not in seen:
            seen[key] = len(templates)
            templates.append(_plain(task.template.to_dict()))
        record = task_record(engine, task, with_template=False)
        record["template"] = seen[key]
        records.append(record)
    return {
        "format": FORMAT,
        "seed": engine.seed,
        "next_task_id": next_id,
        "scenario_book": engine.scenarios.to_dict(),
        "templates": templates,
        "tasks": records,
    }


def replay(engine: Engine, record: Mapping[str, Any], template: TemplateSpec) -> Task:
    """Rebuild one task into the engine from its record."""
    create = dict(record["create"])
    at = _us(create.pop("at"))
    engine._advance(at)
    engine._next_id = int(record["task_id"])
    by_path = {path: Scenario.from_dict(data) for path, data in record["scenarios"].items()}
    plan = engine._plan(template, tuple(create["exclude_task_nodes_id"]), create["cycle_tolerate"])
    snapshot = tuple(by_path.get(node.path) for node in plan.nodes)
    task = engine._create(template, create, at, snapshot)
    for op in record["ops"]:
        moment = _us(op["at"])
        engine._advance(moment)
        actions.replay(task, op["op"], dict(op["args"]), moment)
    return task


def import_state(engine: Engine, state: Mapping[str, Any]) -> None:
    if state.get("format") != FORMAT:
        raise ValueError(f"unknown snapshot format {state.get('format')!r}")
    engine.seed = int(state["seed"])
    engine.scenarios = ScenarioBook.from_dict(state.get("scenario_book", {}))
    templates = [TemplateSpec.from_dict(data) for data in state.get("templates", [])]
    for record in sorted(state["tasks"], key=lambda r: int(r["task_id"])):
        ref = record["template"]
        template = templates[ref] if isinstance(ref, int) else TemplateSpec.from_dict(ref)
        replay(engine, record, template)
    engine._next_id = int(state["next_task_id"])
