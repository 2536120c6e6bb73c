"""The Engine: tasks, the event queue and the public operations the HTTP layer calls.

Every public method first runs everything due up to `clock.now()` (lazy advance), then acts at
that clock reading and logs the operation with it. A task is a pure function of its template,
create parameters, seed, scenario snapshot and operation log; `record` / `export_state` write
that down and `import_state` rebuilds every task from it by replaying.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, Required, TypedDict, Unpack

from . import operations, records, views
from . import tree as t
from .clock import Clock
from .counting import count as count_tasks
from .errors import (
    InvalidOperation,
    NodeNotFound,
    NodeOperationError,
    TaskAlreadyStarted,
    TaskNotFound,
    TaskNotStarted,
)
from .exclude import prepare_tree
from .instance import TreeSource
from .models import CountResult, NewTask, NodeDetail, TaskEnd, TaskInfo, TemplateSpec
from .plan import Plan, compile_plan
from .runtime import ROOT, TaskRuntime
from .scenarios import Scenario, ScenarioBook, as_scenario
from .task import Task

NODE_ACTIONS = frozenset(
    {"retry", "skip", "callback", "skip_exg", "skip_cpg", "pause", "resume"}
    | {"pause_subproc", "resume_subproc", "forced_fail", "retry_subprocess"}
)
# (due, seq, task id, node, serial, pid): only ints, so the garbage collector can untrack it
Entry = tuple[int, int, int, int, int, int]
# Status trees kept rendered (per task, latest key only); the least recently read go first.
STATUS_CACHE_TASKS = 4096
ViewKey = tuple[int, tzinfo, str | None, str]


class TaskOptions(TypedDict, total=False):
    """How a task is created (bk-sops's create_task parameters, as the engine reads them)."""

    name: Required[str]
    creator: Required[str]
    project_id: Required[int]
    flow_type: str
    constants: Mapping[str, Any] | None
    exclude_task_nodes_id: Sequence[str]
    create_method: str
    create_info: str
    description: str
    template_source: str
    cycle_tolerate: bool


def _task_params(options: TaskOptions) -> dict[str, Any]:
    """The options with their defaults, as a task record keeps them."""
    return {
        "name": options["name"],
        "creator": options["creator"],
        "project_id": options["project_id"],
        "flow_type": options.get("flow_type", "common"),
        "constants": dict(options.get("constants") or {}),
        "exclude_task_nodes_id": list(options.get("exclude_task_nodes_id", ())),
        "create_method": options.get("create_method", "api"),
        "create_info": options.get("create_info", ""),
        "description": options.get("description", ""),
        "template_source": options.get("template_source", "project"),
        "cycle_tolerate": options.get("cycle_tolerate", True),
    }


class Engine:
    """Deterministic bk-sops task engine over an injected clock."""

    def __init__(self, clock: Clock, seed: int, scenarios: ScenarioBook | None = None) -> None:
        self.clock = clock
        self.seed = seed
        self.scenarios = scenarios if scenarios is not None else ScenarioBook()
        self._tasks: dict[int, Task] = {}
        self._next_id = 1
        self._heap: list[Entry] = []
        self._seq = itertools.count()
        self._plans: dict[tuple[Any, ...], tuple[Mapping[str, Any], Plan]] = {}
        self._snapshots: dict[Plan, tuple[Scenario | None, ...]] = {}
        self._snapshot_book: ScenarioBook | None = None
        self._snapshot_version = -1
        self._last_now: datetime | None = None
        self._last_us = 0
        # task id -> (runtime, key, render): see status_tree
        self._views: dict[int, tuple[TaskRuntime, ViewKey, views.StatusRender]] = {}
        # Task ends with their clock readings, kept only for a caller that takes them.
        self.keep_task_ends = False
        self._ends: list[tuple[int, int, int, str]] = []  # (µs, task id, node, state)

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
        heap, tasks = self._heap, self._tasks
        while heap and heap[0][0] <= until:
            due, _, task_id, idx, serial, pid = heapq.heappop(heap)
            rt = tasks[task_id].runtime
            rt.changes += 1
            rt.due(idx, serial, pid, due)
            if rt.ended:
                self._ended(rt, due)

    def _ended(self, rt: TaskRuntime, at: int) -> None:
        if self.keep_task_ends:
            self._ends.extend((at, rt.task_id, idx, to) for idx, to in rt.ended)
        rt.ended.clear()

    def take_task_ends(self) -> list[TaskEnd]:
        """Node failures and pipeline finishes and revokes since the last call, oldest first.

        Kept only while `keep_task_ends` is on (bk-sops's callback_url webhooks read them).
        """
        self.sync()
        ends, self._ends = self._ends, []
        out = []
        for at, task_id, idx, to in ends:
            rt = self._tasks[task_id].runtime
            node = None if idx == ROOT else rt.id_of(idx)
            how = "failed" if to == "FAILED" else to.lower()
            moment = views.to_datetime(at)
            assert moment is not None
            out.append(TaskEnd(task_id, moment, how, node))
        return out

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
        t.validate(template.tree, cycle_tolerate=cycles)
        prepared = prepare_tree(template.tree, exclude)
        plan = compile_plan(prepared, t.validate(prepared, cycle_tolerate=cycles))
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
                book.resolve(template_id, n.tid, n.code) if n.kind == t.ACTIVITY else None
                for n in plan.nodes
            )
            self._snapshots[plan] = found
        return found

    # tasks ------------------------------------------------------------------------------------
    def create_task(self, template: TemplateSpec, **options: Unpack[TaskOptions]) -> TaskInfo:
        """A new task of `template`, not started; its snapshot."""
        at = self._now()
        return self._info(self._create(template, _task_params(options), at, None), at)

    def new_task(self, template: TemplateSpec, **options: Unpack[TaskOptions]) -> NewTask:
        """`create_task` for a caller that needs only the task's id and its execution tree."""
        task = self._create(template, _task_params(options), self._now(), None)
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
        seed, prepared, constants = self.seed, task.prepared, task.runtime.constants
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

    # task operations --------------------------------------------------------------------------
    def start_task(self, task_id: int, executor: str) -> None:
        at = self._now()
        self._start(self._task(task_id), executor, at)

    def _start(self, task: Task, executor: str, at: int) -> None:
        if task.is_started:
            raise TaskAlreadyStarted(task.id)
        self._check_flow(task, "start")
        task.executor, task.start_time = executor, at
        task.ops.append((at, "start", {"executor": executor}))
        task.runtime.changes += 1
        task.runtime.start(at)
        if task.runtime.ended:
            self._ended(task.runtime, at)

    def _check_flow(self, task: Task, action: str) -> None:
        if task.current_flow != "execute_task":
            text = f"task with current_flow:{task.current_flow} cannot be {action}ed"
            raise InvalidOperation(text, task_id=task.id, action=action)

    def pause_task(self, task_id: int) -> None:
        at = self._now()
        self._task_action(self._task(task_id), "pause", at)

    def resume_task(self, task_id: int) -> None:
        at = self._now()
        self._task_action(self._task(task_id), "resume", at)

    def revoke_task(self, task_id: int) -> None:
        at = self._now()
        self._task_action(self._task(task_id), "revoke", at)

    def _task_action(self, task: Task, action: str, at: int) -> None:
        self._check_flow(task, action)
        if not task.is_started:
            raise TaskNotStarted(task.id, action)
        rt = task.runtime
        rt.changes += 1
        if action == "pause":
            operations.pause_pipeline(rt, ROOT)
        elif action == "resume":
            operations.resume_pipeline(rt, ROOT, at)
        else:
            assert rt.root is not None
            rt.transit(ROOT, rt.root, "REVOKED")
            task.revoked_at = at
        task.ops.append((at, action, {}))
        if rt.ended:
            self._ended(rt, at)

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
        self._node_op(self._task(task_id), args, at)

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
        self._node_op(self._task(task_id), args, at)

    def _index(self, task: Task, node_id: str) -> int:
        idx = task.index_of(node_id)
        if idx is None:
            raise NodeNotFound(task.id, node_id)
        return idx

    def _node_op(self, task: Task, args: dict[str, Any], at: int) -> None:
        action = args["action"]
        if action not in NODE_ACTIONS:
            raise InvalidOperation("task command is invalid", task_id=task.id, action=action)
        idx = self._index(task, args["node_id"])
        rt = task.runtime
        rt.changes += 1
        if task.is_revoked:  # bamboo would accept some, then never move on: refuse them all
            text = f"pipeline({rt.root_id}) state is: REVOKED"
            raise InvalidOperation(text, task_id=task.id, state="REVOKED", action=action)
        if action == "retry":
            operations.retry(rt, idx, args.get("inputs"), at)
        elif action == "skip":
            operations.skip(rt, idx, at)
        elif action == "skip_exg":
            operations.skip_exclusive_gateway(rt, idx, _required(args, "flow_id"), at)
        elif action == "skip_cpg":
            operations.skip_conditional_parallel_gateway(rt, idx, _required(args, "flow_ids"), at)
        elif action == "callback":
            operations.callback(rt, idx, args.get("data"), args.get("version"), at)
        elif action == "forced_fail":
            text = f"The node has been terminated by {args.get('operator', '')}."
            operations.forced_fail(rt, idx, text, at)
        elif action == "pause":
            operations.pause_node(rt, idx)
        elif action == "resume":
            operations.resume_node(rt, idx, at)
        elif action == "pause_subproc":
            operations.pause_pipeline(rt, idx)
        elif action == "resume_subproc":
            operations.resume_pipeline(rt, idx, at)
        else:
            operations.retry_subprocess(rt, idx, at)
        task.ops.append((at, "node", args))
        if rt.ended:
            self._ended(rt, at)

    def set_node_scenario(
        self, task_id: int, node_id: str, scenario: Scenario | Mapping[str, Any] | None
    ) -> None:
        """Change what one task node does on its next runs (None: back to the snapshot)."""
        at = self._now()
        task = self._task(task_id)
        chosen = None if scenario is None else as_scenario(scenario).to_dict()
        args = {"node_id": node_id, "scenario": chosen}
        self._set_scenario(task, args, at)

    def _set_scenario(self, task: Task, args: dict[str, Any], at: int) -> None:
        idx = self._index(task, args["node_id"])
        if task.runtime.plan.nodes[idx].kind != t.ACTIVITY:
            raise NodeOperationError(f"node({args['node_id']}) is not an activity")
        task.runtime.changes += 1
        if args["scenario"] is None:
            task.runtime.overrides.pop(idx, None)
        else:
            task.runtime.overrides[idx] = Scenario.from_dict(args["scenario"])
        task.ops.append((at, "scenario", args))

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
            self._poll(task, at)
        return self._status(task, at, tz, subprocess_id), at

    def _status(
        self, task: Task, at: int, tz: tzinfo, subprocess_id: str | None
    ) -> views.StatusRender:
        """The task's rendered status tree, rendered again only after the task changed.

        Everything in it but the running rows' elapsed times is a function of the runtime's
        state, which changes only through the engine's operations, each of which bumps
        `changes` first; the elapsed times are filled in per read.
        """
        rt, cache = task.runtime, self._views
        key = (rt.changes, tz, subprocess_id, task.name)
        kept = cache.pop(task.id, None)
        if kept is not None and kept[0] is rt and kept[1] == key:
            render = kept[2]
        else:
            render = views.render_status(rt, task.name, at, tz, subprocess_id)
            if len(cache) >= STATUS_CACHE_TASKS:
                del cache[next(iter(cache))]
        cache[task.id] = (rt, key, render)
        return render

    def _poll(self, task: Task, at: int) -> None:
        rt = task.runtime
        if rt.root is not None and rt.poll(at):
            rt.changes += 1  # after the fact is enough: nothing reads in between
            task.ops.append((at, "poll", {}))
            if rt.ended:
                self._ended(rt, at)

    def failed_ex_data(self, task_id: int) -> dict[str, Any]:
        self.sync()
        return views.failed_ex_data(self._task(task_id).runtime)

    def node_detail(self, task_id: int, node_id: str) -> NodeDetail:
        at = self._now()
        task = self._task(task_id)
        return views.node_detail(task.runtime, self._index(task, node_id), at)

    def count(
        self, project_id: int, group_by: str, conditions: Mapping[str, Any], *, tz: tzinfo = UTC
    ) -> CountResult:
        """query_task_count over the project's tasks; naive times in conditions are in `tz`."""
        self.sync()
        chosen = [x for x in self._tasks.values() if x.project_id == project_id]
        return count_tasks(chosen, group_by, conditions, tz)

    # records and snapshots ------------------------------------------------------------------
    def record(self, task_id: int) -> dict[str, Any]:
        """Everything the task's state follows from, JSON-ready."""
        self.sync()
        return records.task_record(self, self._task(task_id))

    def export_state(self) -> dict[str, Any]:
        self.sync()
        return records.export_state(self, self._tasks, self._next_id)

    def import_state(self, state: Mapping[str, Any]) -> None:
        """Replace every task by the ones rebuilt from `state` (an export or task records)."""
        self._tasks, self._heap, self._seq = {}, [], itertools.count()
        self._plans, self._snapshots, self._views = {}, {}, {}
        records.import_state(self, state, _apply)
        self.sync()
        self._ends = []  # the replayed past is no news

    @classmethod
    def from_state(cls, clock: Clock, state: Mapping[str, Any]) -> Engine:
        engine = cls(clock, int(state["seed"]))
        engine.import_state(state)
        return engine


def _required(args: Mapping[str, Any], key: str) -> Any:
    if args.get(key) is None:
        raise NodeOperationError(f"{key} is required for {args['action']}", action=args["action"])
    return args[key]


def _apply(engine: Engine, task: Task, name: str, args: dict[str, Any], at: int) -> None:
    """Re-apply one logged operation, exactly as the public method did."""
    if name == "start":
        engine._start(task, args["executor"], at)
    elif name in ("pause", "resume", "revoke"):
        engine._task_action(task, name, at)
    elif name == "node":
        engine._node_op(task, dict(args), at)
    elif name == "scenario":
        engine._set_scenario(task, dict(args), at)
    elif name == "poll":
        engine._poll(task, at)
    else:
        raise ValueError(f"unknown operation {name!r} in a task record")
