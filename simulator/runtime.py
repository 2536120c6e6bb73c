"""One task's run: node states, branch processes and bamboo-engine's execute loop.

Concurrency is fixed, not raced: a forked branch runs until it blocks (an activity that takes
time, a failure, a pause) before its next sibling starts; forks made inside a branch run before
that branch's later siblings (depth-first, branches in `outgoing` order). Everything that
happens at one clock reading happens in that order; later work is an event at its due time.
Times are integer microseconds since the Unix epoch.

What the loop does at a node depends on its kind: `nodekinds.HANDLERS` holds that table, and
`activities` what an activity's run does over time. A node's `NodeState` is called its row here
(bamboo keeps it as a row of its State table).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import ids
from .nodekinds import HANDLERS
from .nodes import ROOT, History, NodeState, Process, execution_outputs, resolve
from .plan import Plan, PlanNode
from .scenarios import Scenario
from .states import (
    FAILED,
    FINISHED,
    RERUN_LIMIT,
    RESTARTABLE,
    REVOKED,
    RUNNING,
    SUSPENDED,
    TRANSITIONS,
    check_transition,
)
from .tree import ACTIVITY_TYPES, SUBPROCESS

__all__ = ["ROOT", "NodeState", "Process", "TaskRuntime", "execution_outputs", "resolve"]


# (runtime, due, node, serial, pid): schedules an activity's next moment on the engine's queue
Push = Callable[["TaskRuntime", int, int, int, int], None]


class TaskRuntime:
    """The engine-side state of one started task."""

    __slots__ = (
        "_node_ids", "_pipeline_id", "changes", "constants", "contexts", "ended", "overrides",
        "past_schedules", "plan", "procs", "push", "root", "runnable", "scenarios", "seed",
        "states", "task_id",
    )  # fmt: skip

    def __init__(
        self,
        seed: int,
        task_id: int,
        plan: Plan,
        scenarios: tuple[Scenario | None, ...],
        constants: Mapping[str, Any],
        push: Push,
    ) -> None:
        self.seed = seed
        self.task_id = task_id
        self.plan = plan
        self.scenarios = scenarios
        self.overrides: dict[int, Scenario] = {}
        self.constants = constants  # caller's values for root constants
        self.push = push
        self.root: NodeState | None = None
        self.states: dict[int, NodeState] = {}
        self.procs: list[Process] = []
        self.runnable: list[tuple[Process, int]] = []
        self.contexts: dict[int, dict[str, Any]] = {}
        self._node_ids: list[str] | None = None
        # node -> the serials of its earlier versions that had a schedule (rarely any)
        self.past_schedules: dict[int, list[int]] | None = None
        self._pipeline_id: str | None = None
        # Bumped by the engine before anything that may change what views show (the key of
        # its cached status trees).
        self.changes = 0
        # (node, state) of each node failure and of the pipeline's finish or revoke, until the
        # engine, which knows the clock reading, takes them (Engine.take_task_ends).
        self.ended: list[tuple[int, str]] = []

    # ids -----------------------------------------------------------------------------------
    @property
    def root_id(self) -> str:
        if self._pipeline_id is None:
            self._pipeline_id = ids.pipeline_id(self.seed, self.task_id)
        return self._pipeline_id

    def node_ids(self) -> list[str]:
        if self._node_ids is None:
            found = [ids.node_id(self.seed, self.task_id, node.path) for node in self.plan.nodes]
            found.append(self.root_id)  # ROOT (-1) is the last one
            self._node_ids = found
        return self._node_ids

    def id_of(self, idx: int) -> str:
        return self.node_ids()[idx]  # ROOT == -1 picks the pipeline id

    def version_of(self, idx: int, row: NodeState) -> str:
        if row.shown is not None and row.shown[0] == row.serial:
            return row.shown[1]
        text = self.version_at(idx, row.serial)
        row.shown = (row.serial, text)
        return text

    def version_at(self, idx: int, serial: int) -> str:
        """The version string of a node's `serial`-th version."""
        path = "" if idx == ROOT else self.plan.nodes[idx].path
        return ids.version(self.seed, self.task_id, path, serial)

    def has_data(self, idx: int) -> bool:
        """Whether bamboo keeps a Data row (the inputs) for the node: activities and
        subprocesses of a started task."""
        return self.root is not None and self.plan.nodes[idx].kind in ACTIVITY_TYPES

    # state changes ---------------------------------------------------------------------------
    def state_of(self, idx: int) -> NodeState | None:
        return self.root if idx == ROOT else self.states.get(idx)

    def transit(self, idx: int, row: NodeState, to: str) -> None:
        if to not in TRANSITIONS[row.state]:
            check_transition(self.id_of(idx), row.state, to)
        row.state = to
        if to == FAILED or (idx == ROOT and to in (FINISHED, REVOKED)):
            self.ended.append((idx, to))

    def history(self, idx: int, row: NodeState) -> None:
        if row.histories is None:
            row.histories = []
        row.histories.append(
            History(
                row.serial,
                row.loop,
                row.retry,
                row.skip,
                row.started,
                row.archived,
                dict(row.inputs or {}),
                execution_outputs(self.plan.nodes[idx].kind if idx != ROOT else "", row),
                row.ex_data,
            )
        )

    def refresh_version(self, idx: int, row: NodeState) -> None:
        """A new version (bamboo's refresh_version); the old one's schedule stays findable."""
        if row.schedule:
            if self.past_schedules is None:
                self.past_schedules = {}
            self.past_schedules.setdefault(idx, []).append(row.serial)
            row.schedule = ""
        row.serial += 1

    def finish(self, idx: int, row: NodeState, at: int, *, error_ignored: bool = False) -> None:
        self.transit(idx, row, FINISHED)
        row.archived = at
        row.error_ignored = error_ignored

    def fail(self, process: Process, idx: int, row: NodeState, at: int, ex_data: Any) -> int:
        """The node failed and its process sleeps on it; -1 (nothing runs next)."""
        row.ex_data = ex_data
        self.transit(idx, row, FAILED)
        row.archived = at
        process.asleep = True
        return -1

    # task level ------------------------------------------------------------------------------
    def start(self, at: int) -> None:
        self.root = NodeState(RUNNING, started=at, parent=ROOT)
        level = self.plan.levels[ROOT]
        given = self.constants
        values = {
            key[2:-1]: given.get(key, constant.get("value"))
            for key, constant in level.constants.items()
        }
        self.contexts[ROOT] = resolve(values)
        process = Process(pid=0, current=level.start)
        self.procs.append(process)
        self.run(process, level.start, at)

    def resume_suspended(self, by: int, at: int) -> None:
        """Run again, in process order, every process suspended by `by` at its current node."""
        woken = [
            process for process in self.procs if not process.dead and process.suspended_by == by
        ]
        for process in reversed(woken):
            process.suspended_by = None
            self.runnable.append((process, process.current))
        self.drain(at)

    def run(self, process: Process, idx: int, at: int) -> None:
        self.runnable.append((process, idx))
        self.drain(at)

    def drain(self, at: int) -> None:
        while self.runnable:
            process, idx = self.runnable.pop()
            self.execute(process, idx, at)

    # the execute loop (bamboo Engine.execute, in its check order) ----------------------------
    def execute(self, process: Process, idx: int, at: int) -> None:
        root = self.root
        assert root is not None
        nodes = self.plan.nodes
        while True:
            if idx == process.destination:
                self.child_finished(process)
                return
            process.current = idx
            if root.state == REVOKED:
                process.dead = True
                return
            if root.state == SUSPENDED:
                process.suspended_by = ROOT
                return
            for sub in process.stack:
                if self.states[sub].state == SUSPENDED:
                    process.suspended_by = sub
                    return
            node = nodes[idx]
            parent = process.stack[-1] if process.stack else ROOT
            row = self.states.get(idx)
            if row is None:
                row = NodeState(RUNNING, started=at, parent=parent, pid=process.pid)
                self.states[idx] = row
            else:
                if row.state == FINISHED and node.kind != SUBPROCESS and row.loop > RERUN_LIMIT:
                    row.ex_data = f"node execution exceed rerun limit {RERUN_LIMIT}"
                    process.asleep = True
                    self.transit(idx, row, FAILED)
                    row.archived = at
                    return
                if row.state == SUSPENDED:
                    row.parent = parent
                    process.suspended_by = idx
                    return
                if row.state not in RESTARTABLE:
                    process.asleep = True
                    return
                if row.state == FINISHED:
                    self.history(idx, row)
                    row.loop += 1
                    row.inner_loop += 1
                    row.retry = 0
                    row.skip = False
                    row.error_ignored = False
                    self.refresh_version(idx, row)
                self.transit(idx, row, RUNNING)
                # bamboo keeps the old archived time on re-entry (finish before start); we clear it
                row.started, row.archived, row.parent, row.pid = at, None, parent, process.pid
            idx = HANDLERS[node.kind](self, process, node, row, at)
            if idx < 0:
                return

    def child_finished(self, process: Process) -> None:
        process.dead = True
        parent = self.procs[process.parent]
        parent.ack_num += 1
        if parent.ack_num == parent.need_ack:
            parent.asleep = False
            parent.need_ack = parent.ack_num = 0
            self.runnable.append((parent, process.destination))

    def fork(self, process: Process, targets: list[int], converge: int) -> None:
        children = []
        for target in targets:
            child = Process(len(self.procs), target, converge, process.pid, list(process.stack))
            self.procs.append(child)
            children.append((child, target))
        process.asleep = True
        process.need_ack, process.ack_num = len(children), 0
        self.runnable.extend(reversed(children))

    # pipeline contexts -------------------------------------------------------------------------
    def context_of(self, process: Process) -> dict[str, Any]:
        return self.contexts[process.stack[-1] if process.stack else ROOT]

    def write_outputs(self, process: Process, node: PlanNode, outputs: Mapping[str, Any]) -> None:
        """Copy a node's outputs into the constants of the pipeline its process runs in."""
        if node.writes:
            context = self.context_of(process)
            for key, output_key in node.writes:
                if output_key in outputs:
                    context[key] = outputs[output_key]

    # lookups -----------------------------------------------------------------------------------
    def scenario(self, idx: int) -> Scenario:
        found = self.overrides.get(idx) or self.scenarios[idx]
        assert found is not None
        return found

    def sleeping_at(self, idx: int) -> Process | None:
        for process in self.procs:
            if not process.dead and process.asleep and process.current == idx:
                return process
        return None
