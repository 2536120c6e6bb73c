"""What a client may do to a task, as tables, and the operation log that replays it.

Each public operation the engine offers on a task lands here once the engine has run what fell
due: `start`, `task_action` (`TASK_ACTIONS`), `node_action` (`NODE_ACTIONS`), `set_scenario` and
`poll`. Each checks, acts at the clock reading `at` (µs) and, when it succeeded, appends itself to
the task's operation log; `replay` runs a logged operation again through the same function
(`REPLAY`), which is how a task is rebuilt from its record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from . import activities, ledger, operations
from .errors import (
    InvalidOperation,
    NodeNotFound,
    NodeOperationError,
    TaskAlreadyStarted,
    TaskNotStarted,
)
from .nodes import ROOT
from .runtime import TaskRuntime
from .scenarios import Scenario
from .states import REVOKED
from .task import Task
from .tree import ACTIVITY

# (task, clock reading) -> None
TaskAction = Callable[[Task, int], None]
# (runtime, node index, the logged arguments, clock reading) -> None
NodeAction = Callable[[TaskRuntime, int, Mapping[str, Any], int], None]
# (task, the logged arguments, clock reading) -> None
Replay = Callable[[Task, Mapping[str, Any], int], None]


def start(task: Task, executor: str, at: int) -> None:
    if task.is_started:
        raise TaskAlreadyStarted(task.id)
    _check_flow(task, "start")
    task.executor, task.start_time = executor, at
    task.ops.append((at, "start", {"executor": executor}))
    task.runtime.changes += 1
    task.runtime.start(at)


def _check_flow(task: Task, action: str) -> None:
    if task.current_flow != "execute_task":
        text = f"task with current_flow:{task.current_flow} cannot be {action}ed"
        raise InvalidOperation(text, task_id=task.id, action=action)


# task actions ---------------------------------------------------------------------------------
def _pause_task(task: Task, at: int) -> None:
    operations.pause_pipeline(task.runtime, ROOT)


def _resume_task(task: Task, at: int) -> None:
    operations.resume_pipeline(task.runtime, ROOT, at)


def _revoke_task(task: Task, at: int) -> None:
    runtime = task.runtime
    assert runtime.root is not None
    runtime.transit(ROOT, runtime.root, REVOKED)
    task.revoked_at = at


TASK_ACTIONS: Final[Mapping[str, TaskAction]] = {
    "pause": _pause_task,
    "resume": _resume_task,
    "revoke": _revoke_task,
}


def task_action(task: Task, action: str, at: int) -> None:
    """pause, resume or revoke a started task."""
    _check_flow(task, action)
    if not task.is_started:
        raise TaskNotStarted(task.id, action)
    task.runtime.changes += 1
    TASK_ACTIONS[action](task, at)
    task.ops.append((at, action, {}))


# node actions ---------------------------------------------------------------------------------
def _required(args: Mapping[str, Any], key: str) -> Any:
    if args.get(key) is None:
        raise NodeOperationError(f"{key} is required for {args['action']}", action=args["action"])
    return args[key]


def _forced_fail(runtime: TaskRuntime, idx: int, args: Mapping[str, Any], at: int) -> None:
    text = f"The node has been terminated by {args.get('operator', '')}."
    operations.forced_fail(runtime, idx, text, at)


def _skip_cpg(runtime: TaskRuntime, idx: int, args: Mapping[str, Any], at: int) -> None:
    flow_ids = _required(args, "flow_ids")
    operations.skip_conditional_parallel_gateway(runtime, idx, flow_ids, at)


# bk-sops's operate_node actions plus node_callback's "callback", over their logged arguments
NODE_ACTIONS: Final[Mapping[str, NodeAction]] = {
    "retry": lambda runtime, idx, args, at: operations.retry(runtime, idx, args.get("inputs"), at),
    "skip": lambda runtime, idx, args, at: operations.skip(runtime, idx, at),
    "callback": lambda runtime, idx, args, at: operations.callback(
        runtime, idx, args.get("data"), args.get("version"), at
    ),
    "skip_exg": lambda runtime, idx, args, at: operations.skip_exclusive_gateway(
        runtime, idx, _required(args, "flow_id"), at
    ),
    "skip_cpg": _skip_cpg,
    "pause": lambda runtime, idx, args, at: operations.pause_node(runtime, idx),
    "resume": lambda runtime, idx, args, at: operations.resume_node(runtime, idx, at),
    "pause_subproc": lambda runtime, idx, args, at: operations.pause_pipeline(runtime, idx),
    "resume_subproc": lambda runtime, idx, args, at: operations.resume_pipeline(runtime, idx, at),
    "forced_fail": _forced_fail,
    "retry_subprocess": lambda runtime, idx, args, at: operations.retry_subprocess(
        runtime, idx, at
    ),
}


def index_of(task: Task, node_id: str) -> int:
    idx = task.index_of(node_id)
    if idx is None:
        raise NodeNotFound(task.id, node_id)
    return idx


def node_action(task: Task, args: dict[str, Any], at: int) -> None:
    """One node action; `args` holds "node_id", "action" and the action's own arguments."""
    action = args["action"]
    run = NODE_ACTIONS.get(action)
    if run is None:
        raise InvalidOperation("task command is invalid", task_id=task.id, action=action)
    idx = index_of(task, args["node_id"])
    runtime = task.runtime
    runtime.changes += 1
    if task.is_revoked:  # bamboo would accept some, then never move on: refuse them all
        text = f"pipeline({runtime.root_id}) state is: REVOKED"
        raise InvalidOperation(text, task_id=task.id, state="REVOKED", action=action)
    run(runtime, idx, args, at)
    task.ops.append((at, "node", args))


# the mock's own operations ---------------------------------------------------------------------
def set_scenario(task: Task, args: dict[str, Any], at: int) -> None:
    """args: "node_id" and "scenario" (a scenario's dict, or None: back to the snapshot)."""
    idx = index_of(task, args["node_id"])
    runtime = task.runtime
    if runtime.plan.nodes[idx].kind != ACTIVITY:
        raise NodeOperationError(f"node({args['node_id']}) is not an activity")
    runtime.changes += 1
    if args["scenario"] is None:
        runtime.overrides.pop(idx, None)
    else:
        runtime.overrides[idx] = Scenario.from_dict(args["scenario"])
    task.ops.append((at, "scenario", args))


def poll(task: Task, at: int) -> None:
    """A status read; logged only when it counted as a poll of a running activity."""
    runtime = task.runtime
    if runtime.root is not None and activities.poll(runtime, at):
        runtime.changes += 1  # after the fact is enough: nothing reads in between
        task.ops.append((at, "poll", {}))


# replaying the log ----------------------------------------------------------------------------
REPLAY: Final[Mapping[str, Replay]] = {
    "start": lambda task, args, at: start(task, args["executor"], at),
    "pause": lambda task, args, at: task_action(task, "pause", at),
    "resume": lambda task, args, at: task_action(task, "resume", at),
    "revoke": lambda task, args, at: task_action(task, "revoke", at),
    "node": lambda task, args, at: node_action(task, dict(args), at),
    "scenario": lambda task, args, at: set_scenario(task, dict(args), at),
    "poll": lambda task, args, at: poll(task, at),
    "claim": ledger.claim,
    "record": ledger.note,
}


def replay(task: Task, name: str, args: Mapping[str, Any], at: int) -> None:
    """Re-apply one logged operation, exactly as the public method did."""
    step = REPLAY.get(name)
    if step is None:
        raise ValueError(f"unknown operation {name!r} in a task record")
    step(task, args, at)
