"""Task records and engine snapshots as JSON-ready dicts, and rebuilding from them.

A record holds everything a task's state follows from: template, create parameters with their
clock reading, the seed, the scenario snapshot taken at creation and the operation log.
Rebuilding replays the log; scheduled work runs at its own due times, as it did live.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
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
    return _record(engine.seed, task, len(task.ops), task.constants, with_template)


def task_head(engine: Engine, task: Task) -> dict[str, Any]:
    """The record without its operations or template: what a store writes when a task is made
    or its constants change (the operations it appends one by one, see `op_record`)."""
    head = _record(engine.seed, task, 0, task.constants, with_template=False)
    del head["ops"]
    return head


def op_record(op: tuple[int, str, Mapping[str, Any]]) -> dict[str, Any]:
    """One entry of a record's operation log."""
    at, name, args = op
    return {"at": _iso(at), "op": name, "args": _plain(args)}


def _record(
    seed: int, task: Task, ops: int, constants: Mapping[str, Any], with_template: bool
) -> dict[str, Any]:
    """The record of `task` as it was with `ops` operations and these constants.

    Everything else a record reads is fixed when the task is made; the operation log only
    grows and set_task_constants replaces the constants dict rather than changing it.
    """
    rt = task.runtime
    scenarios = {
        node.path: scenario.to_dict()
        for node, scenario in zip(rt.plan.nodes, rt.scenarios, strict=True)
        if scenario is not None
    }
    record: dict[str, Any] = {
        "task_id": task.id,
        "seed": seed,
        "create": {
            "at": _iso(task.create_time),
            "name": task.name,
            "creator": task.creator,
            "project_id": task.project_id,
            "flow_type": task.flow_type,
            "constants": _plain(constants),
            "exclude_task_nodes_id": list(task.exclude),
            "create_method": task.create_method,
            "create_info": task.create_info,
            "description": task.description,
            "template_source": task.template_source,
            "cycle_tolerate": task.cycle_tolerate,
        },
        "scenarios": scenarios,
        "ops": [op_record(op) for op in task.ops[:ops]],
    }
    if with_template:
        record["template"] = _plain(task.template.to_dict())
    return record


def export_state(engine: Engine, tasks: Mapping[int, Task], next_id: int) -> dict[str, Any]:
    return freeze(engine, tasks, next_id).to_dict()


@dataclass(frozen=True)
class FrozenState:
    """An engine's state at one moment, taken in a cheap pass; records are built from it later.

    Taking it holds the caller's lock for one short step per task; building and writing the
    records (the slow part) can then run without the lock while the engine moves on.
    """

    seed: int
    next_id: int
    scenario_book: dict[str, Any]
    templates: tuple[TemplateSpec, ...]
    # (task, index of its template, length of its operation log, its constants)
    tasks: tuple[tuple[Task, int, int, Mapping[str, Any]], ...]
    # The periodic tasks (periodic.py): their trees are replaced, never changed, so the
    # references taken here stay what they were.
    periodic: dict[str, Any]

    def head(self) -> dict[str, Any]:
        """Every field of the export but the task records, in the export's order."""
        return {
            "format": FORMAT,
            "seed": self.seed,
            "next_task_id": self.next_id,
            "scenario_book": self.scenario_book,
            "templates": [_plain(t.to_dict()) for t in self.templates],
            "periodic": _plain(self.periodic),
        }

    def records(self, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
        out = []
        for task, template, ops, constants in self.tasks[start:stop]:
            record = _record(self.seed, task, ops, constants, with_template=False)
            record["template"] = template
            out.append(record)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**self.head(), "tasks": self.records()}


def freeze(engine: Engine, tasks: Mapping[int, Task], next_id: int) -> FrozenState:
    templates: list[TemplateSpec] = []
    seen: dict[int, int] = {}
    frozen = []
    for task in tasks.values():
        key = id(task.template)
        if key not in seen:
            seen[key] = len(templates)
            templates.append(task.template)
        frozen.append((task, seen[key], len(task.ops), task.constants))
    book = engine.scenarios.to_dict()
    periodic = engine.periodic.to_dict()
    return FrozenState(engine.seed, next_id, book, tuple(templates), tuple(frozen), periodic)


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


def catch_up(engine: Engine, record: Mapping[str, Any], template: TemplateSpec) -> None:
    """Bring the engine's copy of one task to `record` (see Engine.catch_up_record)."""
    task_id = int(record["task_id"])
    create_at = _us(record["create"]["at"])
    engine._advance(create_at)  # a periodic run due by then is made here as it was there
    task = engine._tasks.get(task_id)
    if task is None:
        following = engine._next_id
        task = replay(engine, record, template)
        engine._next_id = max(following, task_id + 1)
        return
    for op in record["ops"][len(task.ops) :]:
        moment = _us(op["at"])
        engine._advance(moment)
        actions.replay(task, op["op"], dict(op["args"]), moment)
    constants = record["create"]["constants"]
    if _plain(task.constants) != constants:
        known = task.prepared.get("constants") or {}
        task.constants = dict(constants)
        task.runtime.constants = {k: v for k, v in constants.items() if k in known}
