"""Lifecycle invariants of tasks, checked across the answers one run receives.

A `TaskWatch` follows the tasks the run created and judges every later answer about them:

    legal_transition        an accepted start/pause/resume/revoke was legal from what the run
                            knows (reference/bk-sops-api.md 3.2): never on a FINISHED or REVOKED
                            task, never start a task seen started, never pause/resume/revoke
                            before a start was accepted, resume only after a pause, pause only once
    terminal_state          a task seen FINISHED or REVOKED stays so; a revoked task shows REVOKED,
                            a paused one SUSPENDED, one never started CREATED, one seen started
                            never CREATED again

bk-sops queues a start (start_task, operate_task start, create_and_start_task answer success and
a celery worker starts the task later), so an accepted start is only a queued one: until a read
shows the task past CREATED (or a pause/resume/revoke is accepted, which needs a running task) it
may read CREATED and count as created-not-started. bk-sops checks only "is started" before
queueing, so a second start while the first still waits is accepted too.
    state_agrees_with_nodes the shown state follows from the nodes' states (section 3.1)
    times_move_forward      start <= finish, a child starts after its parent, and no node's times
                            go backwards between two answers
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .checks import Failure

TERMINAL = frozenset({"FINISHED", "REVOKED"})
_STARTING_OPERATIONS = frozenset({"create_and_start_task"})
_CREATING_OPERATIONS = frozenset({"create_task", "create_and_start_task", "fast_create_task"})


@dataclass
class TaskRecord:
    queued: bool = False  # a start was accepted; the worker may not have run it yet
    started: bool = False  # known to have started: seen past CREATED, or acted on as running
    paused: bool = False
    revoked: bool = False
    terminal: str | None = None
    # node id -> latest (start, finish) seen
    times: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)


@dataclass
class TaskWatch:
    """What one run knows about the tasks it created."""

    tasks: dict[int, TaskRecord] = field(default_factory=dict)

    def observe(
        self, op: str, ids: Mapping[str, Any], params: Mapping[str, Any], body: Any
    ) -> list[Failure]:
        """Judge one answer (HTTP 200 JSON `body`) of `op` against what came before."""
        if not isinstance(body, dict) or body.get("result") is not True:
            return []
        if op in _CREATING_OPERATIONS:
            data = body.get("data")
            if isinstance(data, dict) and isinstance(data.get("task_id"), int):
                self.tasks[data["task_id"]] = TaskRecord(queued=op in _STARTING_OPERATIONS)
            return []
        record = self.tasks.get(_int(ids.get("task_id")))
        if record is None:
            return []
        if op == "start_task":
            return _accepted(record, "start")
        if op == "operate_task":
            return _accepted(record, str(params.get("action")))
        if op == "get_task_status" and isinstance(body.get("data"), dict):
            return _status(record, body["data"], params)
        return []

    def created(self) -> int:
        return len(self.tasks)

    def not_started(self) -> int:
        """Tasks no start was accepted for: they must count as CREATED."""
        return sum(1 for record in self.tasks.values() if not record.queued)

    def maybe_waiting(self) -> int:
        """Tasks not known to have started: they may count as CREATED (a queued start)."""
        return sum(1 for record in self.tasks.values() if not record.started)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _accepted(record: TaskRecord, action: str) -> list[Failure]:
    illegal = _illegal(record, action)
    if illegal:
        return [Failure("legal_transition", f"{action} was accepted on a task that {illegal}")]
    if action == "start":
        record.queued = True
        return []
    record.queued = record.started = True  # only a running task takes these actions
    if action == "pause":
        record.paused = True
    elif action == "resume":
        record.paused = False
    elif action == "revoke":
        record.revoked = True
    return []


def _illegal(record: TaskRecord, action: str) -> str | None:
    if record.terminal is not None:
        return f"is {record.terminal}"
    if action == "start":
        return "was already started" if record.started else None
    if not record.queued:
        return "was never started"
    if action == "pause" and record.paused:
        return "was already paused"
    if action == "resume" and not record.paused:
        return "was not paused"
    return None


def _status(record: TaskRecord, data: dict[str, Any], params: Mapping[str, Any]) -> list[Failure]:
    if params.get("subprocess_id"):
        return []  # a subtree: its state is the subprocess's, not the task's
    state = data.get("state")
    found = [Failure("terminal_state", text) for text in _expected_state(record, state)]
    if state in TERMINAL and record.terminal is None:
        record.terminal = str(state)
    if record.queued and state != "CREATED":
        record.started = True  # the worker ran the queued start
    found += [Failure("state_agrees_with_nodes", text) for text in _tree_disagreements(data)]
    found += [Failure("times_move_forward", text) for text in _time_regressions(record, data)]
    return found


def _expected_state(record: TaskRecord, state: Any) -> Iterator[str]:
    if record.terminal is not None and state != record.terminal:
        yield f"the task was {record.terminal} and now shows {state}"
    elif record.revoked and state != "REVOKED":
        yield f"the task was revoked and shows {state}"
    elif not record.queued and state != "CREATED":
        yield f"the task was never started and shows {state}"
    elif record.started and state == "CREATED":
        yield "the task was seen started and shows CREATED again"
    elif record.paused and not record.revoked and state != "SUSPENDED":
        yield f"the task was paused and shows {state}"


def _children(node: Mapping[str, Any]) -> list[dict[str, Any]]:
    children = node.get("children")
    if not isinstance(children, dict):
        return []
    return [child for child in children.values() if isinstance(child, dict)]


def _tree_disagreements(node: Mapping[str, Any], where: str = "task") -> Iterator[str]:
    """bk-sops's display rules, checked bottom-up (reference/bk-sops-api.md 3.1)."""
    state = node.get("state")
    children = _children(node)
    shown = {child.get("state") for child in children}
    if state == "CREATED" and children:
        yield f"{where} is CREATED but has {len(children)} nodes"
    if state == "FINISHED" and shown - {"FINISHED"}:
        yield f"{where} is FINISHED but has nodes in {sorted(map(str, shown - {'FINISHED'}))}"
    if state == "RUNNING" and shown & {"FAILED", "SUSPENDED", "NODE_SUSPENDED"}:
        derived = "FAILED" if "FAILED" in shown else "NODE_SUSPENDED"
        nodes = sorted(map(str, shown))
        yield f"{where} shows RUNNING but its nodes are {nodes}: it should show {derived}"
    if state == "FAILED" and children and "FAILED" not in shown:
        yield f"{where} shows FAILED but none of its nodes failed"
    if state == "NODE_SUSPENDED" and not shown & {"SUSPENDED", "NODE_SUSPENDED"}:
        yield f"{where} shows NODE_SUSPENDED but none of its nodes is suspended"
    for child in children:
        yield from _tree_disagreements(child, f"node {child.get('id')}")


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        return None  # the response schema judges the format


def _time_regressions(record: TaskRecord, root: Mapping[str, Any]) -> Iterator[str]:
    stack: list[tuple[Mapping[str, Any], datetime | None]] = [(root, None)]
    while stack:
        node, parent_start = stack.pop()
        node_id = str(node.get("id", "task"))
        start, finish = _moment(node.get("start_time")), _moment(node.get("finish_time"))
        if start and finish and finish < start:
            yield f"{node_id} finished at {finish} before it started at {start}"
        if start and parent_start and start < parent_start:
            yield f"{node_id} started at {start}, before its parent started at {parent_start}"
        before = record.times.get(node_id)
        if before is not None:
            for label, old, new in (("start", before[0], start), ("finish", before[1], finish)):
                if old and new and new < old:
                    yield f"{node_id} {label}_time went back from {old} to {new}"
        record.times[node_id] = (start or (before[0] if before else None), finish)
        stack.extend((child, start) for child in _children(node))


def count_disagreement(
    before: Mapping[str, int], after: Mapping[str, int], watch: TaskWatch, carried: int = 0
) -> str | None:
    """query_task_count (group_by status) moved by exactly the tasks the run created.

    bk-sops starts tasks in a worker, so a task whose start was accepted may still count as
    CREATED until a read shows it started: CREATED moved by at least the tasks never started
    and at most those not known to have started. `carried`: tasks counted in `before` whose
    accepted starts (of an earlier run) may have run since, each taking one from CREATED.
    """
    total = after.get("total", 0) - before.get("total", 0)
    waiting = after.get("CREATED", 0) - before.get("CREATED", 0)
    created, low, high = watch.created(), watch.not_started(), watch.maybe_waiting()
    low -= carried
    if total != created:
        return f"the run created {created} tasks but the total moved by {total}"
    if not low <= waiting <= high:
        return (
            f"CREATED moved by {waiting}, not within [{low}, {high}]: {watch.not_started()} "
            f"created tasks were never started, {high - low - carried} may wait in the start "
            f"queue, {carried} earlier starts may have run"
        )
    return None


def status_counts(body: Any) -> dict[str, int] | None:
    """{"total": n, "CREATED": n, ...} from a query_task_count answer grouped by status."""
    if not isinstance(body, dict) or body.get("result") is not True:
        return None
    data = body.get("data")
    if not isinstance(data, dict):
        return None
    counts = {"total": _int(data.get("total"))}
    for group in data.get("groups") or []:
        if isinstance(group, dict):
            counts[str(group.get("code"))] = _int(group.get("value"))
    return counts
