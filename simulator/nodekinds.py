"""What the execute loop does at each kind of node: the table `HANDLERS`, kind -> handler.

A handler gets a node its process has just entered (the node's row is RUNNING) and returns the
index of the node the process runs next, or -1 when the process stops there (it sleeps, forked
its branches or ended).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from . import activities
from .conditions import ConditionParseError, evaluate, render
from .nodes import ROOT, NodeState, Process, resolve
from .plan import PlanNode
from .tree import ACTIVITY, CONDITIONAL, CONVERGE, END, EXCLUSIVE, PARALLEL, START, SUBPROCESS

if TYPE_CHECKING:
    from .runtime import TaskRuntime

Handler = Callable[["TaskRuntime", Process, PlanNode, NodeState, int], int]

PARSE_HINT = (
    "please check if some variable not exists or the expression is unsupported, related "
    'reference is <a href="https://boolrule.readthedocs.io/en/latest/expressions.html">'
    "boolrule</a>"
)


def _pass(runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, at: int) -> int:
    """A start event or a converge gateway: finished at once, on to the next node."""
    runtime.finish(node.idx, row, at)
    return node.next


def _end(runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, at: int) -> int:
    """An end event finishes its pipeline: the task, or the subprocess the process is in."""
    root = runtime.root
    assert root is not None
    runtime.finish(node.idx, row, at)
    if not process.stack:
        runtime.finish(ROOT, root, at)
        process.dead = True
        return -1
    sub = process.stack.pop()
    sub_row = runtime.states[sub]
    level = runtime.plan.levels[sub]
    inner = runtime.contexts.get(sub, {})
    outputs = {key[2:-1]: inner.get(key[2:-1]) for key in level.outputs}
    sub_row.outputs = outputs
    runtime.finish(sub, sub_row, at)
    sub_node = runtime.plan.nodes[sub]
    runtime.write_outputs(process, sub_node, outputs)
    return sub_node.next


def _subprocess(
    runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, at: int
) -> int:
    """Enter a subprocess: its constants from the caller's parameters, then its start event."""
    outer = runtime.context_of(process)
    level = runtime.plan.levels[node.idx]
    values = {key[2:-1]: constant.get("value") for key, constant in level.constants.items()}
    for key, param in node.sub_params.items():
        if isinstance(param, Mapping) and "value" in param:
            values[key[2:-1]] = render(param["value"], outer)
    runtime.contexts[node.idx] = resolve(values)
    process.stack.append(node.idx)
    return node.sub_start


def _parallel(
    runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, at: int
) -> int:
    runtime.finish(node.idx, row, at)
    runtime.fork(process, [node.targets[flow] for flow in node.outgoing], node.converge)
    return -1


def _exclusive(
    runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, at: int
) -> int:
    chosen = choose(runtime, process, node)
    if isinstance(chosen, str):
        return runtime.fail(process, node.idx, row, at, chosen)
    runtime.finish(node.idx, row, at)
    return chosen[0]


def _conditional(
    runtime: TaskRuntime, process: Process, node: PlanNode, row: NodeState, at: int
) -> int:
    chosen = choose(runtime, process, node)
    if isinstance(chosen, str):
        return runtime.fail(process, node.idx, row, at, chosen)
    runtime.finish(node.idx, row, at)
    runtime.fork(process, chosen, node.converge)
    return -1


HANDLERS: Final[Mapping[str, Handler]] = {
    START: _pass,
    END: _end,
    ACTIVITY: activities.start,
    SUBPROCESS: _subprocess,
    PARALLEL: _parallel,
    EXCLUSIVE: _exclusive,
    CONDITIONAL: _conditional,
    CONVERGE: _pass,
}


def choose(runtime: TaskRuntime, process: Process, node: PlanNode) -> list[int] | str:
    """The targets a branch gateway takes, or the ex_data of its failure."""
    context = runtime.context_of(process)
    hits: list[int] = []
    names: list[str] = []
    for condition in node.conditions:
        resolved = str(render(condition.evaluate, context))
        try:
            passed = evaluate(resolved)
        except ConditionParseError:
            data = json.dumps(context)
            return f"evaluate[{condition.evaluate}] fail with data[{data}]：{PARSE_HINT}"
        except Exception as error:  # the engine reports any evaluation error
            shown = resolved if node.kind == EXCLUSIVE else condition.evaluate
            return f"evaluate[{shown}] fail with data[{json.dumps(context)}] message: {error}"
        if passed:
            hits.append(condition.target)
            names.append(condition.name)
    if not hits:
        if not node.default_flow:
            return "all conditions of branches are not meet"
        hits = [node.targets[node.default_flow]]
    if node.kind == EXCLUSIVE and len(hits) != 1:
        return f"multiple conditions meet: {names!r}"
    return hits
