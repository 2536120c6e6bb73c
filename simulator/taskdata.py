"""Task data the detail operations read or change beside the run itself: the pipeline's outputs,
a node's inputs before it runs, and the constants of a task that has not started.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from . import states as S
from . import tree as t
from . import views
from .conditions import render
from .errors import InvalidOperation, NodeNotFound, TaskAlreadyStarted
from .runtime import ROOT, TaskRuntime, resolve
from .task import OpLog

if TYPE_CHECKING:
    from .engine import Engine


class ConstantsLocked(InvalidOperation):
    """Constants a caller may not set: hidden ones and those fed by node outputs."""

    def __init__(self, task_id: int, hidden: list[str], outputs: list[str]) -> None:
        self.hidden = hidden
        self.outputs = outputs
        text = f"constants {hidden + outputs} of task[{task_id}] cannot be changed"
        super().__init__(text, task_id=task_id, action="set_constants")


class TaskRow(NamedTuple):
    """What a task list shows of one task; far cheaper to make than a TaskInfo."""

    id: int
    name: str
    creator: str
    executor: str
    create_method: str
    template_id: int
    template_source: str
    category: str
    flow_type: str
    create_time: datetime
    start_time: datetime | None
    finish_time: datetime | None
    is_started: bool
    is_finished: bool
    is_revoked: bool


def task_rows(engine: Engine, project_id: int) -> list[TaskRow]:
    """The project's tasks, newest first."""
    engine.sync()
    rows = []
    for task in engine._tasks.values():
        if task.project_id != project_id:
            continue
        rows.append(
            TaskRow(
                task.id,
                task.name,
                task.creator,
                task.executor,
                task.create_method,
                task.template.template_id,
                task.template_source,
                task.template.category,
                task.flow_type,
                views.EPOCH + timedelta(microseconds=task.create_time),
                views.to_datetime(task.start_time),
                views.to_datetime(task.finish_time),
                task.start_time is not None,
                task.is_finished,
                task.revoked_at is not None,
            )
        )
    rows.sort(key=lambda row: -row.id)
    return rows


def has_node(engine: Engine, task_id: int, node_id: object) -> bool:
    """Whether `node_id` is a node of the task at any depth (events and gateways included)."""
    engine.sync()
    return isinstance(node_id, str) and engine._task(task_id).index_of(node_id) is not None


def task_outputs(engine: Engine, task_id: int) -> dict[str, Any]:
    """The root pipeline's outputs ("${key}" -> value), written when its end event runs."""
    engine.sync()
    rt = engine._task(task_id).runtime
    if rt.root is None or rt.root.state != S.FINISHED:
        return {}
    context = rt.contexts.get(ROOT, {})
    return {key: context.get(key[2:-1]) for key in rt.plan.levels[ROOT].outputs}


def node_inputs(engine: Engine, task_id: int, node_id: str) -> dict[str, Any]:
    """A node's inputs: those of its current run, or for an activity not run yet, its component
    data rendered with what its pipeline's constants hold now (bk-sops previews them)."""
    engine.sync()
    task = engine._task(task_id)
    idx = task.index_of(node_id)
    if idx is None:
        raise NodeNotFound(task_id, node_id)
    rt = task.runtime
    st = rt.states.get(idx)
    if st is not None and st.inputs is not None:
        return dict(st.inputs)
    node = rt.plan.nodes[idx]
    if node.kind != t.ACTIVITY:
        return {}
    context = rt.contexts.get(node.parent) or _context_before_run(rt, node.parent)
    return {key: render(value, context) for key, value in node.inputs}


def _context_before_run(rt: TaskRuntime, owner: int) -> dict[str, Any]:
    level = rt.plan.levels[owner]
    given = rt.constants if owner == ROOT else {}
    values = {key[2:-1]: given.get(key, c.get("value")) for key, c in level.constants.items()}
    return resolve(values)


def set_task_constants(engine: Engine, task_id: int, values: Mapping[str, Any]) -> None:
    """Set constant values of a task that has not started; keys the task lacks are ignored.

    Hidden constants and component outputs are refused (ConstantsLocked), as bk-sops does.
    The values join the task's create parameters, so a rebuilt task starts with them too.
    """
    engine.sync()
    task = engine._task(task_id)
    if task.is_started:
        raise TaskAlreadyStarted(task.id)
    constants: Mapping[str, Any] = task.prepared.get("constants") or {}
    known = sorted(key for key in values if key in constants)
    hidden = [k for k in known if constants[k].get("show_type", "hide") != "show"]
    outputs = [k for k in known if constants[k].get("source_type") == "component_outputs"]
    if hidden or outputs:
        raise ConstantsLocked(task.id, hidden, outputs)
    task.constants = {**task.constants, **values}
    task.runtime.constants = {**task.runtime.constants, **{k: values[k] for k in known}}
    if isinstance(task.ops, OpLog):
        task.ops.changed()
