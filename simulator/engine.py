"""The Engine: tasks, the event queue and the public operations the HTTP layer calls.

Every public method first runs everything due up to `clock.now()` (lazy advance), then acts at
that clock reading and logs the operation with it. A task is a pure function of its template,
create parameters, seed, scenario snapshot and operation log; `record` / `export_state` write
that down and `import_state` rebuilds every task from it by replaying.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, Unpack

from . import actions, activities, ledger, records, views
from .clock import Clock
from .counting import count as count_tasks
from .cron import Crontab
from .ends import TaskEnds
from .errors import TaskNotFound
from .exclude import prepare_tree
from .instance import TreeSource
from .models import CountResult, NewTask, NodeDetail, TaskEnd, TaskInfo, TemplateSpec
from .options import TaskOptions, task_params
from .periodic import PeriodicBook, PeriodicInfo, PeriodicTask
from .periodic import info as periodic_info
from .plan import Plan, compile_plan
from .preview import preview_tree
from .runtime import TaskRuntime
from .scenarios import Scenario, ScenarioBook, as_scenario
from .statuscache import StatusCache
from .task import ChangedTasks, OpLog, Task, task_info
from .tree import ACTIVITY
from .tree import validate as validate_tree

__all__ = ["NODE_ACTIONS", "Engine", "TaskOptions"]

NODE_ACTIONS = frozenset(actions.NODE_ACTIONS)
# (due, seq, task id, node, serial, pid): only ints, so the garbage collector can untrack it
Entry = tuple[int, int, int, int, int, int]


class Engine:
    """Deterministic bk-sops task engine over an injected clock."""

    def __init__(self, clock: Clock, seed: int, scenarios: ScenarioBook | None = None) -> None:
        self.clock = clock
        self.seed = seed
        self.scenarios = scenarios if scenarios is not None else ScenarioBook()
        self._tasks: dict[int, Task] = {}
        # Ids of the tasks whose record changed since `take_changed` was last called.
        self._changed = ChangedTasks()
        self._next_id = 1
        self._heap: list[Entry] = []
        self._seq = itertools.count()
        self._plans: dict[tuple[Any, ...], tuple[Mapping[str, Any], Plan]] = {}
        self._snapshots: dict[Plan, tuple[Scenario | None, ...]] = {}
        self._snapshot_book: ScenarioBook | None = None
        self._snapshot_version = -1
        self._last_now: datetime | None = None
        self._last_us = 0
        self._views = StatusCache()
        # Periodic tasks (periodic.py); the engine fires their runs from _advance.
        self.periodic = PeriodicBook()
        # Task ends with their clock readings; `task_ends.keep` turns keeping them on.
        self.task_ends = TaskEnds()

    # time ---------------------------------------------------------------------------------
    def sync(self) -> datetime:
        """Run everything due up to the clock's reading; return that reading."""
        now = self.clock.now()
        self._advance(self._us(now))
        return now

    def _now(self) -> int:
        now = self.clock.now()
        at = self._us(now)
        self._advance(at)
        return at

    def _us(self, now: datetime) -> int:
        # A virtual clock hands out the same object until it moves: convert it once.
        if now is not self._last_now:
            self._last_now, self._last_us = now, views.to_us(now)
        return self._last_us

    def _push(self, rt: TaskRuntime, due: int, idx: int, serial: int, pid: int) -> None:
        heapq.heappush(self._heap, (due, next(self._seq), rt.task_id, idx, serial, pid))

    def _advance(self, until: int) -> None:
        # Every call passes here: the periodic check is one comparison when nothing is due,
        # and the loop is _drain's, inlined (a method call costs as much as the whole check).
        if self.periodic.due <= until:
            self._advance_periodic(until)
        heap, tasks = self._heap, self._tasks
        while heap and heap[0][0] <= until:
            due, _, task_id, idx, serial, pid = heapq.heappop(heap)
            rt = tasks[task_id].runtime
            rt.changes += 1
            activities.due(rt, idx, serial, pid, due)
            if rt.ended:
                self.task_ends.note(rt, due)

    def _advance_periodic(self, until: int) -> None:
        """Periodic runs due by `until`, each after the work due by its own moment."""
        book = self.periodic
        while book.due <= until:
            at = book.due
            self._drain(at)
            for periodic in book.take_due(at):
                self._run_periodic(periodic, at)

    def _run_periodic(self, periodic: PeriodicTask, at: int) -> None:
        """bamboo-pipeline's bamboo_engine_periodic_task_start with bk-sops's signal handler:
        a task named after the run's local time, created by the periodic task's creator, with
        create_method "periodic", started at once."""
        moment = views.to_datetime(at)
        assert moment is not None
        stamp = moment.astimezone(periodic.cron.zone).strftime("%Y%m%d%H%M%S")
        options: TaskOptions = {
            "name": f"{periodic.name[:113]}_{stamp}",
            "creator": periodic.creator,
            "project_id": periodic.project_id,
            "create_method": "periodic",
            "create_info": str(periodic.id),
            "template_source": periodic.template_source,
        }
        task = self._create(periodic.template, task_params(options), at, None)
        actions.start(task, periodic.creator, at)
        self._stepped(task, at)

    def _drain(self, until: int) -> None:
        heap, tasks = self._heap, self._tasks
        while heap and heap[0][0] <= until:
            due, _, task_id, idx, serial, pid = heapq.heappop(heap)
            rt = tasks[task_id].runtime
            rt.changes += 1
            activities.due(rt, idx, serial, pid, due)
            if rt.ended:
                self.task_ends.note(rt, due)

    def _stepped(self, task: Task, at: int) -> None:
        if task.runtime.ended:
            self.task_ends.note(task.runtime, at)

    def take_task_ends(self) -> list[TaskEnd]:
        """Node failures, pipeline finishes and revokes since the last call, oldest first
        (only while `task_ends.keep` is on: bk-sops's callback_url webhooks read them)."""
        self.sync()
        return self.task_ends.take(self._tasks)

    def next_due(self) -> datetime | None:
        """When the next scheduled work falls due; None when nothing is scheduled."""
        self.sync()
        while self._heap:
            due, _, task_id, idx, serial, _ = self._heap[0]
            st = self._tasks[task_id].runtime.states.get(idx)
            if st is not None and st.serial == serial and st.state == "RUNNING" and st.waiting:
                return views.to_datetime(due)
            heapq.heappop(self._heap)
        return None

    # templates and plans --------------------------------------------------------------------
    def _plan(self, template: TemplateSpec, exclude: tuple[str, ...], cycles: bool) -> Plan:
        key = (template.source, template.template_id, exclude, cycles)
        cached = self._plans.get(key)
        if cached is not None and cached[0] is template.tree:
            return cached[1]
        validate_tree(template.tree, cycle_tolerate=cycles)
        prepared = prepare_tree(template.tree, exclude)
        plan = compile_plan(prepared, validate_tree(prepared, cycle_tolerate=cycles))
        if cached is not None:
            self._snapshots.pop(cached[1], None)
        self._plans[key] = (template.tree, plan)
        return plan

    def _snapshot(self, template_id: int, plan: Plan) -> tuple[Scenario | None, ...]:
        """The scenario of every node of a plan as the book says now (shared between tasks)."""
        book = self.scenarios
        if self._snapshot_book is not book or self._snapshot_version != book.version:
            self._snapshots, self._snapshot_book, self._snapshot_version = {}, book, book.version
        found = self._snapshots.get(plan)
        if found is None:
            found = tuple(
                book.resolve(template_id, n.tid, n.code) if n.kind == ACTIVITY else None
                for n in plan.nodes
            )
            self._snapshots[plan] = found
        return found

    # tasks ------------------------------------------------------------------------------------
    def create_task(self, template: TemplateSpec, **options: Unpack[TaskOptions]) -> TaskInfo:
        """A new task of `template`, not started; its snapshot."""
        at = self._now()
        return self._info(self._create(template, task_params(options), at, None), at)

    def new_task(self, template: TemplateSpec, **options: Unpack[TaskOptions]) -> NewTask:
        """`create_task` for a caller that needs only the task's id and its execution tree."""
        task = self._create(template, task_params(options), self._now(), None)
        rt = task.runtime
        source = TreeSource(task.prepared, rt.constants, self.seed, task.id)
        return NewTask(task.id, rt.root_id, source)

    def _create(
        self,
        template: TemplateSpec,
        params: Mapping[str, Any],
        at: int,
        snapshot: tuple[Scenario | None, ...] | None,
    ) -> Task:
        exclude = tuple(params["exclude_task_nodes_id"])
        plan = self._plan(template, exclude, params["cycle_tolerate"])
        if snapshot is None:
            snapshot = self._snapshot(template.template_id, plan)
        given = params["constants"]
        known = {k: v for k, v in given.items() if k in plan.tree["constants"]}
        task_id = self._next_id
        self._next_id += 1
        runtime = TaskRuntime(self.seed, task_id, plan, snapshot, known, self._push)
        task = Task(
            id=task_id,
            template=template,
            project_id=params["project_id"],
            name=params["name"],
            creator=params["creator"],
            description=params["description"],
            flow_type=params["flow_type"],
            create_method=params["create_method"],
            create_info=params["create_info"],
            template_source=params["template_source"],
            constants=given,
            exclude=exclude,
            cycle_tolerate=params["cycle_tolerate"],
            create_time=at,
            prepared=plan.tree,
            runtime=runtime,
            ops=OpLog(task_id, self._changed),
        )
        self._tasks[task_id] = task
        return task

    def _task(self, task_id: int) -> Task:
        task = self._tasks.get(task_id)
        if task is None:
            raise TaskNotFound(task_id)
        return task

    def find_task(self, task_id: int) -> TaskInfo | None:
        """Like `task`, but None for an unknown id."""
        at = self._now()
        task = self._tasks.get(task_id)
        return None if task is None else self._info(task, at)

    def project_of(self, task_id: int) -> int | None:
        """The project of a task, None for an unknown id (it never changes: no clock work)."""
        task = self._tasks.get(task_id)
        return None if task is None else task.project_id

    def is_started(self, task_id: int) -> bool:
        """Whether the task has started (False for an unknown id); no snapshot is built."""
        task = self._tasks.get(task_id)
        return task is not None and task.is_started

    def current_flow_of(self, task_id: int) -> str | None:
        """A task's current_flow (TaskInfo's), None for an unknown id; no snapshot is built."""
        task = self._tasks.get(task_id)
        return None if task is None else task.current_flow

    def task(self, task_id: int) -> TaskInfo:
        at = self._now()
        return self._info(self._task(task_id), at)

    def tasks(self, project_id: int | None = None) -> list[TaskInfo]:
        at = self._now()
        chosen = self._tasks.values()
        return [self._info(x, at) for x in chosen if project_id in (None, x.project_id)]

    def _info(self, task: Task, now: int) -> TaskInfo:
        return task_info(task, self.seed, now)

    # task operations --------------------------------------------------------------------------
    def start_task(self, task_id: int, executor: str, at: datetime | None = None) -> None:
        """Start a task now, or at `at`, a reading already passed: where a start waited in
        bk-sops's queue for a worker, it is logged when the worker ran it. Tasks do not share
        state, so starting one at a passed reading leaves every other task as it was."""
        now = self._now()
        when = now if at is None else min(now, views.to_us(at))
        task = self._task(task_id)
        actions.start(task, executor, when)
        self._stepped(task, when)

    def pause_task(self, task_id: int) -> None:
        self._task_action(task_id, "pause")

    def resume_task(self, task_id: int) -> None:
        self._task_action(task_id, "resume")

    def revoke_task(self, task_id: int) -> None:
        self._task_action(task_id, "revoke")

    def _task_action(self, task_id: int, action: str) -> None:
        at = self._now()
        task = self._task(task_id)
        actions.task_action(task, action, at)
        self._stepped(task, at)

    def claim_task(self, task_id: int, claimant: str, name: str = "") -> None:
        """Claim a common_func task (it may start from now on); a non-empty name renames it."""
        at = self._now()
        ledger.claim(self._task(task_id), {"claimant": claimant, "name": name}, at)

    def record_operation(
        self, task_id: int, operator: str, operate_type: str, node_id: str = ""
    ) -> None:
        """Keep a bk-sops operation record for the task, at the clock's reading."""
        at = self._now()
        task = self._task(task_id)
        ledger.note(
            task, {"operator": operator, "operate_type": operate_type, "node_id": node_id}, at
        )

    def operate_records(self, task_id: int) -> list[ledger.OperateRecord]:
        """The task's operation records, oldest first; [] for an unknown task."""
        task = self._tasks.get(task_id)
        return [] if task is None else ledger.records(task)

    # node operations --------------------------------------------------------------------------
    def operate_node(
        self,
        task_id: int,
        node_id: str,
        action: str,
        *,
        inputs: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        flow_id: str | None = None,
        flow_ids: Sequence[str] | None = None,
        operator: str = "",
    ) -> None:
        at = self._now()
        args: dict[str, Any] = {"node_id": node_id, "action": action}
        if inputs is not None:
            args["inputs"] = dict(inputs)
        if data is not None:
            args["data"] = dict(data)
        if flow_id is not None:
            args["flow_id"] = flow_id
        if flow_ids is not None:
            args["flow_ids"] = list(flow_ids)
        if action == "forced_fail":
            args["operator"] = operator
        task = self._task(task_id)
        actions.node_action(task, args, at)
        self._stepped(task, at)

    def node_callback(
        self,
        task_id: int,
        node_id: str,
        data: Mapping[str, Any] | None = None,
        version: str | None = None,
    ) -> None:
        at = self._now()
        args = {"node_id": node_id, "action": "callback", "data": dict(data or {})}
        if version is not None:
            args["version"] = version
        task = self._task(task_id)
        actions.node_action(task, args, at)
        self._stepped(task, at)

    def set_node_scenario(
        self, task_id: int, node_id: str, scenario: Scenario | Mapping[str, Any] | None
    ) -> None:
        """Change what one task node does on its next runs (None: back to the snapshot)."""
        at = self._now()
        task = self._task(task_id)
        chosen = None if scenario is None else as_scenario(scenario).to_dict()
        args = {"node_id": node_id, "scenario": chosen}
        actions.set_scenario(task, args, at)

    # views --------------------------------------------------------------------------------------
    def status_tree(
        self,
        task_id: int,
        *,
        tz: tzinfo = UTC,
        subprocess_id: str | None = None,
        poll: bool = True,
    ) -> dict[str, Any]:
        """bk-sops's get_task_status data.

        Each call counts as one status poll for running poll-outcome nodes (and is logged when
        it counted); `poll=False` reads without polling (dashboards, tests).
        """
        render, at = self.status_render(task_id, tz=tz, subprocess_id=subprocess_id, poll=poll)
        return render.tree(at)

    def status_render(
        self,
        task_id: int,
        *,
        tz: tzinfo = UTC,
        subprocess_id: str | None = None,
        poll: bool = True,
    ) -> tuple[views.StatusRender, int]:
        """`status_tree` before the copy: the render and the clock reading (µs) to read it at.

        A render never changes once made; the engine makes a new one when the task changes.
        So a caller may keep what it derives from a render (serialized bytes) for as long as
        the engine hands out the same render and `render.moving(at)` reads the same.
        """
        at = self._now()
        task = self._task(task_id)
        if poll:
            actions.poll(task, at)
            self._stepped(task, at)
        return self._views.render(task, at, tz, subprocess_id), at

    def failed_ex_data(self, task_id: int) -> dict[str, Any]:
        self.sync()
        return views.failed_ex_data(self._task(task_id).runtime)

    def node_detail(self, task_id: int, node_id: str) -> NodeDetail:
        at = self._now()
        task = self._task(task_id)
        return views.node_detail(task.runtime, actions.index_of(task, node_id), at)

    def count(
        self, project_id: int, group_by: str, conditions: Mapping[str, Any], *, tz: tzinfo = UTC
    ) -> CountResult:
        """query_task_count over the project's tasks; naive times in conditions are in `tz`."""
        self.sync()
        chosen = [x for x in self._tasks.values() if x.project_id == project_id]
        return count_tasks(chosen, group_by, conditions, tz)

    # periodic tasks ---------------------------------------------------------------------------
    def create_periodic_task(
        self,
        template: TemplateSpec,
        *,
        name: str,
        creator: str,
        cron: Mapping[str, object],
        timezone: str,
        exclude_task_nodes_id: Sequence[str] = (),
        constants: Mapping[str, Any] | None = None,
        template_source: str = "project",
        template_version: str = "",
    ) -> PeriodicInfo:
        """A new periodic task, disabled; ExcludeNodeError / InvalidCron when bk-sops refuses.

        Its tree is the template's minus the excluded nodes, with the given constant values
        (keys the tree lacks are ignored), checked before the crontab as bk-sops does.
        """
        at = self._now()
        tree = preview_tree(template.tree, exclude_task_nodes_id)["pipeline_tree"]
        validate_tree(tree, cycle_tolerate=True)
        tree_constants = tree.get("constants") or {}
        for key, value in (constants or {}).items():
            if key in tree_constants:
                tree_constants[key]["value"] = value
        crontab = Crontab.parse(cron, timezone)
        task = PeriodicTask(
            id=0,
            project_id=template.project_id,
            template=dataclasses.replace(template, tree=tree),
            template_source=template_source,
            template_version=template_version,
            name=name,
            creator=creator,
            cron=crontab,
            create_time=at,
            edit_time=at,
        )
        return periodic_info(self.periodic.add(task), self.seed)

    def find_periodic_task(self, periodic_id: int) -> PeriodicInfo | None:
        self.sync()
        task = self.periodic.tasks.get(periodic_id)
        return None if task is None else periodic_info(task, self.seed)

    def periodic_tasks(self, project_id: int) -> list[PeriodicInfo]:
        """A project's periodic tasks, newest first."""
        self.sync()
        return [periodic_info(t, self.seed) for t in self.periodic.of_project(project_id)]

    def set_periodic_enabled(self, periodic_id: int, enabled: bool, editor: str) -> PeriodicInfo:
        at = self._now()
        task = self.periodic.get(periodic_id)
        self.periodic.set_enabled(task, enabled, at)
        task.editor, task.edit_time = editor, at
        return periodic_info(task, self.seed)

    def modify_periodic_cron(
        self, periodic_id: int, cron: Mapping[str, object], timezone: str
    ) -> PeriodicInfo:
        at = self._now()
        task = self.periodic.get(periodic_id)
        self.periodic.set_cron(task, Crontab.parse(cron, timezone), at)
        return periodic_info(task, self.seed)

    def modify_periodic_constants(
        self, periodic_id: int, constants: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Set the values of the tree's constants named in `constants`; the tree's constants."""
        self.sync()
        task = self.periodic.get(periodic_id)
        self.periodic.set_constants(task, constants)
        return periodic_info(task, self.seed).pipeline_tree.get("constants") or {}

    # records and snapshots ------------------------------------------------------------------
    def record(self, task_id: int) -> dict[str, Any]:
        """Everything the task's state follows from, JSON-ready."""
        self.sync()
        return records.task_record(self, self._task(task_id))

    def export_state(self) -> dict[str, Any]:
        self.sync()
        return records.export_state(self, self._tasks, self._next_id)

    def take_changed(self) -> list[int]:
        """The ids of the tasks whose record changed since the last call, in id order."""
        changed = self._changed
        if not changed.asked:  # the first call: from now on changes are kept
            changed.asked = True
            return sorted(self._tasks)
        ids = sorted(changed)
        changed.clear()  # cleared in place: every task's OpLog holds this very set
        return ids

    def catch_up_record(self, record: Mapping[str, Any], template: TemplateSpec) -> None:
        """Bring one task to `record`, made or changed elsewhere (a store shared by workers).

        A task this engine does not have is rebuilt from the record; one it has gets the
        operations past its own log, each at its clock reading, and the record's constants.
        """
        records.catch_up(self, record, template)

    def freeze_state(self) -> records.FrozenState:
        """What export_state would give, taken cheaply now and built later (records.py)."""
        self.sync()
        return records.freeze(self, self._tasks, self._next_id)

    def import_state(self, state: Mapping[str, Any]) -> None:
        """Replace every task by the ones rebuilt from `state` (an export or task records)."""
        self._tasks, self._heap, self._seq = {}, [], itertools.count()
        self._plans, self._snapshots, self._views = {}, {}, StatusCache()
        # Runs already made are tasks of the state; the schedule joins once they are rebuilt.
        self.periodic = PeriodicBook()
        records.import_state(self, state)
        self.periodic = PeriodicBook.from_dict(state.get("periodic") or {})
        self.periodic.share([task.template for task in self._tasks.values()])
        for periodic in self.periodic.tasks.values():  # a bad tree fails here, not at a run
            self._plan(periodic.template, (), True)
        self.sync()
        self.task_ends.forget(self._tasks)

    @classmethod
    def from_state(cls, clock: Clock, state: Mapping[str, Any]) -> Engine:
        engine = cls(clock, int(state["seed"]))
        engine.import_state(state)
        return engine
