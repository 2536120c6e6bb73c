"""An activity's run over time: its scenario starts it, and it ends by schedule, polls or callback.

Two tables say what happens: `WAITS` (scenario outcome -> how the run waits once started) and
`MOMENTS` (what the run waits for -> what a due moment of the engine's queue does). A run that
is over goes through `complete`, whatever ended it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from . import ids
from .conditions import render
from .nodes import NodeState, Process
from .plan import PlanNode
from .states import RUNNING

if TYPE_CHECKING:
    from .runtime import TaskRuntime

# (runtime, process, node, row, due, at) -> the next node to run, or -1 (the process sleeps)
Wait = Callable[["TaskRuntime", Process, PlanNode, NodeState, int, int], int]
# (runtime, process, node, row, at) -> the next node to run, or -1 (nothing moves on)
Moment = Callable[["TaskRuntime", Process, PlanNode, NodeState, int], int]


def start(runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, at: int) -> int:
    """Run an activity its process just entered, as its scenario says (a node-kind handler)."""
    scenario = runtime.scenario(node.idx)
    row.runs += 1
    row.scenario, row.outputs, row.ex_data, row.polls = scenario, None, None, 0
    given = row.retry_inputs
    if given is not None:  # a retry replaced the component's data (bamboo's set_data_inputs)
        context = runtime.context_of(process)
        inputs: Mapping[str, Any] = {
            key: render(value, context) if need_render else value
            for key, (need_render, value) in given.items()
        }
    elif node.static_inputs is not None:
        inputs = node.static_inputs
    else:
        context = runtime.context_of(process)
        inputs = {key: render(value, context) for key, value in node.inputs}
    row.inputs = inputs
    duration = scenario.duration
    if scenario.duration_input:
        raw = inputs.get(scenario.duration_input)
        try:
            duration = float(raw)  # type: ignore[arg-type]
            if not duration >= 0:
                raise ValueError(raw)
        except (TypeError, ValueError):
            text = f"invalid {scenario.duration_input}: {raw!r}"
            return complete(runtime, process, node, row, at, False, text)
    if scenario.jitter:
        spread = ids.unit(runtime.seed, runtime.task_id, node.path, row.runs, "jitter") * 2 - 1
        duration = max(0.0, duration + spread * scenario.jitter)
    due = at + round(duration * 1_000_000)
    row.pid = process.pid
    return WAITS[scenario.outcome](runtime, process, node, row, due, at)


def _sleep(process: Process) -> int:
    process.asleep = True
    return -1


def _await_callback(
    runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, due: int, at: int
) -> int:
    row.waiting, row.schedule = "callback", "open"
    return _sleep(process)


def _await_polls(
    runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, due: int, at: int
) -> int:
    row.waiting, row.elapsed, row.schedule = "poll", due <= at, "open"
    if not row.elapsed:
        runtime.push(runtime, due, node.idx, row.serial, process.pid)
    return _sleep(process)


def _await_schedule(
    runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, due: int, at: int
) -> int:
    scenario = row.scenario
    assert scenario is not None
    row.ok = scenario.outcome == "succeed" or (
        scenario.outcome == "fail_then_succeed" and row.runs > scenario.fail_times
    )
    if due <= at:
        return complete(runtime, process, node, row, at, row.ok, scenario.ex_data)
    row.waiting, row.schedule = "schedule", "open"
    runtime.push(runtime, due, node.idx, row.serial, process.pid)
    return _sleep(process)


WAITS: Final[Mapping[str, Wait]] = {
    "succeed": _await_schedule,
    "fail": _await_schedule,
    "fail_then_succeed": _await_schedule,
    "callback": _await_callback,
    "poll": _await_polls,
}


def complete(
    runtime: TaskRuntime,
    process: Process,
    node: PlanNode,
    row: NodeState,
    at: int,
    ok: bool,
    ex_data: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> int:
    """An activity's run is over: FINISHED (or error-ignored) and onwards, or FAILED."""
    row.waiting = ""
    row.ok = ok
    process.asleep = False
    outputs: Mapping[str, Any] = row.scenario.outputs if row.scenario else {}
    if extra:
        outputs = {**outputs, **extra}
    row.outputs = outputs
    if ok or node.error_ignorable:
        if row.schedule == "open":  # a failure leaves its schedule open, as bamboo's does
            row.schedule = "finished"
        row.ex_data = None if ok else ex_data
        runtime.finish(node.idx, row, at, error_ignored=not ok)
        runtime.write_outputs(process, node, outputs)
        return node.next
    return runtime.fail(process, node.idx, row, at, ex_data)


def _poll_moment(
    runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, at: int
) -> int:
    row.elapsed = True
    if row.scenario is None or row.polls < row.scenario.polls:
        return -1
    return complete(runtime, process, node, row, at, True)


def _schedule_moment(
    runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, at: int
) -> int:
    ex_data = row.scenario.ex_data if row.scenario else None
    return complete(runtime, process, node, row, at, row.ok, ex_data)


# A callback wait has no moments: only node_callback ends it.
MOMENTS: Final[Mapping[str, Moment]] = {"poll": _poll_moment, "schedule": _schedule_moment}


def due(runtime: TaskRuntime, idx: int, serial: int, pid: int, at: int) -> None:
    """A scheduled moment of an activity arrived; stale schedules expire silently."""
    row = runtime.states.get(idx)
    if row is None or row.serial != serial:
        return
    if row.state != RUNNING:
        if row.waiting and row.schedule == "open":
            row.schedule = "expired"  # bamboo's schedule finds the node not running (paused)
        return
    moment = MOMENTS.get(row.waiting)
    if moment is None:
        return
    process = runtime.procs[pid]
    following = moment(runtime, process, runtime.plan.nodes[idx], row, at)
    if following >= 0:
        runtime.run(process, following, at)


def poll(runtime: TaskRuntime, at: int) -> bool:
    """A status read: count it for every running poll activity. True if any counted."""
    if not any(row.waiting == "poll" for row in runtime.states.values()):
        return False  # the usual read: nothing polls, nothing to walk twice
    counted = False
    for idx, row in list(runtime.states.items()):
        if row.state == RUNNING and row.waiting == "poll" and row.scenario is not None:
            counted = True
            row.polls += 1
            if row.polls >= row.scenario.polls and row.elapsed:
                process = runtime.procs[row.pid]
                following = complete(runtime, process, runtime.plan.nodes[idx], row, at, True)
                if following >= 0:
                    runtime.run(process, following, at)
    return counted
