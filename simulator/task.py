"""The engine's record of one task: create parameters, its runtime and its operation log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import states as S
from . import views
from .instance import TreeSource
from .models import TaskInfo, TemplateSpec
from .runtime import TaskRuntime

Op = tuple[int, str, dict[str, Any]]  # (clock reading in µs, operation, arguments)


class ChangedTasks(set[int]):
    """The ids of tasks whose record changed, kept only once someone asks (a store): the
    memory store never does, and would otherwise hold one id per task for nothing."""

    __slots__ = ("asked",)

    def __init__(self) -> None:
        super().__init__()
        self.asked = False

    def add(self, task_id: int) -> None:
        if self.asked:
            super().add(task_id)


class OpLog(list[Op]):
    """A task's operation log that tells the engine's change set when it grows.

    A store (mockserver/store) writes only the tasks that changed since its last commit; every
    change to a record is an append here or a new constants dict (which calls `changed`).
    """

    __slots__ = ("_note", "_task_id")

    def __init__(self, task_id: int, note: ChangedTasks) -> None:
        super().__init__()
        self._task_id = task_id
        self._note = note
        note.add(task_id)

    def append(self, op: Op) -> None:
        super().append(op)
        self._note.add(self._task_id)

    def changed(self) -> None:
        self._note.add(self._task_id)


@dataclass(slots=True, eq=False)
class Task:
    id: int
    template: TemplateSpec
    project_id: int
    name: str
    creator: str
    description: str
    flow_type: str
    create_method: str
    create_info: str
    template_source: str
    constants: dict[str, Any]  # every key the caller passed
    exclude: tuple[str, ...]
    cycle_tolerate: bool
    create_time: int
    prepared: Mapping[str, Any]  # shared with the plan: never mutated
    runtime: TaskRuntime
    executor: str = ""
    claimant: str | None = None  # who claimed a common_func task (ledger.claim)
    start_time: int | None = None
    revoked_at: int | None = None
    ops: list[Op] = field(default_factory=list)  # an OpLog when the engine makes the task
    _index: dict[str, int] | None = None

    @property
    def template_id(self) -> int:
        return self.template.template_id

    @property
    def category(self) -> str:
        return self.template.category

    @property
    def current_flow(self) -> str:
        # bk-sops's signal handlers mark a task "finished" as soon as its pipeline finishes or
        # is revoked; task actions are then refused on current_flow, before the engine is asked.
        root = self.runtime.root
        if root is not None and root.state in (S.FINISHED, S.REVOKED):
            return "finished"
        unclaimed = self.flow_type == "common_func" and self.claimant is None
        return "func_claim" if unclaimed else "execute_task"

    @property
    def is_started(self) -> bool:
        return self.start_time is not None

    @property
    def is_finished(self) -> bool:
        root = self.runtime.root
        return root is not None and root.state == S.FINISHED

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def finish_time(self) -> int | None:
        root = self.runtime.root
        if root is not None and root.state == S.FINISHED:
            return root.archived
        return self.revoked_at

    @property
    def state(self) -> str:
        root = self.runtime.root
        return root.state if root is not None else S.CREATED

    def index_of(self, node_id: str) -> int | None:
        if self._index is None:
            nodes = self.runtime.node_ids()[:-1]  # the last one is the root pipeline
            self._index = {nid: idx for idx, nid in enumerate(nodes)}
        return self._index.get(node_id)


def task_info(task: Task, seed: int, now: int) -> TaskInfo:
    """A task's snapshot (what bk-sops's task views read) at clock reading `now` (µs)."""
    prepared, constants = task.prepared, task.runtime.constants
    finish = task.finish_time
    return TaskInfo.of(
        id=task.id,
        project_id=task.project_id,
        template_id=task.template_id,
        template_source=task.template_source,
        name=task.name,
        creator=task.creator,
        executor=task.executor,
        description=task.description,
        flow_type=task.flow_type,
        current_flow=task.current_flow,
        create_method=task.create_method,
        create_info=task.create_info,
        category=task.category,
        create_time=views.to_datetime(task.create_time),
        start_time=views.to_datetime(task.start_time),
        finish_time=views.to_datetime(finish),
        is_started=task.is_started,
        is_finished=task.is_finished,
        is_revoked=task.is_revoked,
        state=task.state,
        elapsed_time=views.elapsed(task.start_time, finish, now),
        pipeline_id=task.runtime.root_id,
        constants_keys=tuple(task.constants),
        tree_source=TreeSource(prepared, constants, seed, task.id),
    )
