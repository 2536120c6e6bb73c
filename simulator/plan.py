"""A validated tree compiled into a flat list of nodes the runtime walks by index.

A plan holds no task data and is shared by every task made from the same template and the
same excluded nodes. Nodes inside subprocesses are in the same list; `parent` points at the
SubProcess node and `path` ("sub/inner") is what task node ids are derived from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import tree as t
from .conditions import TEMPLATE


@dataclass(slots=True)
class Condition:
    flow: str  # template flow id
    name: str
    evaluate: str
    target: int


@dataclass(slots=True)
class PlanNode:
    idx: int
    tid: str  # template node id
    path: str
    kind: str  # the web tree type, e.g. "ServiceActivity"
    name: str
    parent: int  # -1 for the root pipeline
    next: int = -1  # the single successor of events, activities and converge gateways
    targets: dict[str, int] = field(default_factory=dict)  # template flow id -> node
    outgoing: list[str] = field(default_factory=list)  # template flow ids in order
    conditions: list[Condition] = field(default_factory=list)
    default_flow: str = ""
    converge: int = -1
    code: str = ""
    inputs: list[tuple[str, Any]] = field(default_factory=list)  # component data values
    static_inputs: dict[str, Any] | None = None  # the inputs when nothing needs rendering
    error_ignorable: bool = False
    can_skip: bool = False
    can_retry: bool = True
    sub_start: int = -1
    sub_params: Mapping[str, Any] = field(default_factory=dict)  # SubProcess "constants"
    # (constant key without ${}, output key) pairs this node writes into its pipeline's context
    writes: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Level:
    """One pipeline: the root (owner -1) or the inside of a subprocess."""

    owner: int
    start: int
    constants: Mapping[str, Any]
    outputs: list[str]


@dataclass(eq=False)  # compared and hashed by identity: a plan is a shared value
class Plan:
    nodes: list[PlanNode]
    levels: dict[int, Level]
    tree: Mapping[str, Any]  # the prepared web tree the plan was compiled from

    def flow_path(self, node: PlanNode, flow: str) -> str:
        """The path a task flow id is derived from: the node's pipeline prefix + flow id."""
        return node.path[: len(node.path) - len(node.tid)] + flow


def compile_plan(prepared: Mapping[str, Any], converges: Mapping[str, str]) -> Plan:
    plan = Plan([], {}, prepared)
    _compile_level(plan, prepared, converges, owner=-1, prefix="")
    return plan


def _compile_level(
    plan: Plan, tree: Mapping[str, Any], converges: Mapping[str, str], owner: int, prefix: str
) -> None:
    graph = t.graph_of(tree)
    index: dict[str, int] = {}
    order = [graph.start, *tree["activities"], *tree["gateways"], graph.end]
    for tid in order:
        raw = graph.raw[tid]
        kind = graph.types[tid]
        named = kind in t.ACTIVITY_TYPES
        node = PlanNode(
            idx=len(plan.nodes),
            tid=tid,
            path=prefix + tid,
            kind=t.END if kind in t.END_TYPES else kind,
            name=str(raw.get("name", "")) if named else "",
            parent=owner,
        )
        index[tid] = node.idx
        plan.nodes.append(node)
    for tid in order:
        node = plan.nodes[index[tid]]
        raw = graph.raw[tid]
        successors = graph.successors[tid]
        node.outgoing = [flow for flow, _ in successors]
        node.targets = {flow: index[target] for flow, target in successors}
        if successors:
            node.next = index[successors[0][1]]
        _fill(node, raw, index, converges)
    constants = tree.get("constants") or {}
    _bind_outputs(plan, constants, index)
    plan.levels[owner] = Level(owner, index[graph.start], constants, list(tree.get("outputs", [])))
    for tid in tree["activities"]:
        node = plan.nodes[index[tid]]
        if node.kind == t.SUBPROCESS:
            nested = graph.raw[tid]["pipeline"]
            inner = t.validate(nested)
            first = len(plan.nodes)
            _compile_level(plan, nested, inner, owner=node.idx, prefix=f"{node.path}/")
            node.sub_start = plan.levels[node.idx].start
            assert node.sub_start >= first


def _fill(node: PlanNode, raw: Mapping[str, Any], index: dict[str, int], converges: Any) -> None:
    if node.tid in converges:
        node.converge = index[converges[node.tid]]
    if node.kind in t.BRANCHING:
        for flow, condition in (raw.get("conditions") or {}).items():
            name = str(condition.get("name") or flow)
            node.conditions.append(
                Condition(flow, name, str(condition["evaluate"]), node.targets[flow])
            )
        node.default_flow = str((raw.get("default_condition") or {}).get("flow_id") or "")
    if node.kind == t.ACTIVITY:
        component = raw.get("component") or {}
        node.code = str(component.get("code", ""))
        data = component.get("data") or {}
        node.inputs = [(k, v.get("value")) for k, v in data.items() if isinstance(v, Mapping)]
        if not any(TEMPLATE.search(text) for text in _texts([v for _, v in node.inputs])):
            node.static_inputs = dict(node.inputs)
        node.error_ignorable = bool(raw.get("error_ignorable", False))
        skippable = raw.get("skippable", raw.get("isSkipped", True))
        node.can_skip = bool(skippable) or node.error_ignorable
        node.can_retry = bool(raw.get("retryable", raw.get("can_retry", True)))
    elif node.kind == t.SUBPROCESS:
        node.sub_params = raw.get("constants") or {}
    elif node.kind in (t.START, t.EXCLUSIVE):
        node.can_skip = True


def _bind_outputs(plan: Plan, constants: Mapping[str, Any], index: dict[str, int]) -> None:
    for key, constant in constants.items():
        if not isinstance(constant, Mapping) or constant.get("source_type") != "component_outputs":
            continue
        for tid, output_keys in (constant.get("source_info") or {}).items():
            if tid in index and isinstance(output_keys, list):
                for output_key in output_keys:
                    plan.nodes[index[tid]].writes.append((key[2:-1], str(output_key)))


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _texts(item)]
    return []
