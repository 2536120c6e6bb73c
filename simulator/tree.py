"""Reading and validating a bk-sops web pipeline tree (bamboo's validator rules, our own code).

Rules checked, each reported as InvalidTree(node_id, rule, detail):
  structure        the tree has start_event, end_event, activities, gateways and flows
  node_type        every node has a type the engine knows
  flow_reference   flows join existing nodes and agree with the nodes' incoming/outgoing lists
  connection       in/out counts per node type; nothing flows into a start event, a start event
                   does not flow straight into the end event
  isolated_node    every node is reachable from the start event
  cycle            no cycle, unless cycle_tolerate (bk-sops passes it, so loops are legal)
  conditions       branch gateways have a condition for every outgoing flow but the default
  converge_match   every (conditional) parallel gateway converges into one converge gateway,
                   which converges only its branches; branches of a gateway inside a parallel
                   block converge too (they may not end the flow or loop out of the block)
  subprocess       a SubProcess activity carries its unfolded `pipeline`, itself valid
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .errors import InvalidTree

START: Final = "EmptyStartEvent"
END: Final = "EmptyEndEvent"
ACTIVITY: Final = "ServiceActivity"
SUBPROCESS: Final = "SubProcess"
PARALLEL: Final = "ParallelGateway"
EXCLUSIVE: Final = "ExclusiveGateway"
CONDITIONAL: Final = "ConditionalParallelGateway"
CONVERGE: Final = "ConvergeGateway"

ACTIVITY_TYPES: Final = frozenset({ACTIVITY, SUBPROCESS})
GATEWAY_TYPES: Final = frozenset({PARALLEL, EXCLUSIVE, CONDITIONAL, CONVERGE})
FORKING: Final = frozenset({PARALLEL, CONDITIONAL})
BRANCHING: Final = frozenset({EXCLUSIVE, CONDITIONAL})
END_TYPES: Final = frozenset({END, "ExecutableEndEvent"})

MAX = 1000
# (min in, max in, min out, max out), bamboo-pipeline validators/rules.py
RULES: Final[dict[str, tuple[int, int, int, int]]] = {
    START: (0, 0, 1, 1),
    END: (1, MAX, 0, 0),
    ACTIVITY: (1, MAX, 1, 1),
    SUBPROCESS: (1, MAX, 1, 1),
    EXCLUSIVE: (1, MAX, 1, MAX),
    PARALLEL: (1, MAX, 1, MAX),
    CONDITIONAL: (1, MAX, 1, MAX),
    CONVERGE: (1, MAX, 1, 1),
}


def as_list(value: Any) -> list[str]:
    """incoming/outgoing fields are a flow id, a list of them, or empty."""
    if isinstance(value, list):
        return [v for v in value if v]
    return [value] if value else []


@dataclass(frozen=True)
class Graph:
    """Typed view of one pipeline level: node types, successors in outgoing order, flows."""

    types: dict[str, str]
    raw: dict[str, Mapping[str, Any]]
    successors: dict[str, list[tuple[str, str]]]  # node -> [(flow id, target)]
    predecessors: dict[str, list[tuple[str, str]]]
    start: str
    end: str


def graph_of(tree: Mapping[str, Any]) -> Graph:
    for key in ("start_event", "end_event", "activities", "gateways", "flows"):
        if not isinstance(tree.get(key), Mapping):
            raise InvalidTree("", "structure", f"pipeline tree has no {key} object")
    raw: dict[str, Mapping[str, Any]] = {}
    for node in (tree["start_event"], tree["end_event"]):
        raw[str(node.get("id", ""))] = node
    for group in ("activities", "gateways"):
        for node_id, node in tree[group].items():
            if not isinstance(node, Mapping) or node.get("id", node_id) != node_id:
                raise InvalidTree(str(node_id), "structure", f"{group} key and node id differ")
            raw[node_id] = node
    types = {node_id: str(node.get("type", "")) for node_id, node in raw.items()}
    start, end = str(tree["start_event"].get("id", "")), str(tree["end_event"].get("id", ""))
    _check_types(types, start, end, tree)
    successors: dict[str, list[tuple[str, str]]] = {n: [] for n in raw}
    predecessors: dict[str, list[tuple[str, str]]] = {n: [] for n in raw}
    flows = tree["flows"]
    for node_id, node in raw.items():
        for flow_id in as_list(node.get("outgoing")):
            flow = flows.get(flow_id)
            if not isinstance(flow, Mapping) or flow.get("source") != node_id:
                raise InvalidTree(node_id, "flow_reference", f"outgoing flow {flow_id} is unknown")
            target = flow.get("target")
            if target not in raw or flow_id not in as_list(raw[target].get("incoming")):
                raise InvalidTree(node_id, "flow_reference", f"flow {flow_id} has a bad target")
            successors[node_id].append((flow_id, str(target)))
            predecessors[str(target)].append((flow_id, node_id))
    for flow_id, flow in flows.items():
        source = flow.get("source") if isinstance(flow, Mapping) else None
        if source not in raw or flow_id not in as_list(raw[source].get("outgoing")):
            raise InvalidTree(str(source or ""), "flow_reference", f"flow {flow_id} is dangling")
    return Graph(types, raw, successors, predecessors, start, end)


def _check_types(types: dict[str, str], start: str, end: str, tree: Mapping[str, Any]) -> None:
    if types[start] != START:
        raise InvalidTree(start, "node_type", f"start event has type {types[start]!r}")
    if types[end] not in END_TYPES:
        raise InvalidTree(end, "node_type", f"end event has type {types[end]!r}")
    for node_id in tree["activities"]:
        if types[node_id] not in ACTIVITY_TYPES:
            raise InvalidTree(node_id, "node_type", f"unknown activity type {types[node_id]!r}")
    for node_id in tree["gateways"]:
        if types[node_id] not in GATEWAY_TYPES:
            raise InvalidTree(node_id, "node_type", f"unknown gateway type {types[node_id]!r}")


def validate(tree: Mapping[str, Any], *, cycle_tolerate: bool = True) -> dict[str, str]:
    """Check every rule; return {gateway id: converge gateway id} for the top level."""
    graph = graph_of(tree)
    _check_connections(graph)
    _check_reachable(graph)
    if not cycle_tolerate:
        _check_acyclic(graph)
    _check_conditions(graph)
    converges = match_converges(graph)
    for node_id, node in tree["activities"].items():
        if graph.types[node_id] == SUBPROCESS:
            nested = node.get("pipeline")
            if not isinstance(nested, Mapping):
                raise InvalidTree(node_id, "subprocess", "SubProcess has no unfolded pipeline")
            try:
                validate(nested, cycle_tolerate=cycle_tolerate)
            except InvalidTree as error:
                detail = f"in subprocess {node_id}: {error.detail}"
                raise InvalidTree(error.node_id, error.rule, detail) from error
    return converges


def _check_connections(graph: Graph) -> None:
    for node_id, kind in graph.types.items():
        min_in, max_in, min_out, max_out = RULES.get(kind, RULES[END])
        ins, outs = len(graph.predecessors[node_id]), len(graph.successors[node_id])
        if not min_in <= ins <= max_in:
            raise InvalidTree(node_id, "connection", f"{kind} needs {min_in}..{max_in} incoming")
        if not min_out <= outs <= max_out:
            raise InvalidTree(node_id, "connection", f"{kind} needs {min_out}..{max_out} outgoing")
        for _, target in graph.successors[node_id]:
            if graph.types[target] == START:
                raise InvalidTree(node_id, "connection", "nothing may flow into the start event")
            if kind == START and graph.types[target] in END_TYPES:
                raise InvalidTree(node_id, "connection", "start event may not reach end directly")


def _check_reachable(graph: Graph) -> None:
    seen = {graph.start}
    queue = deque([graph.start])
    while queue:
        for _, target in graph.successors[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    for node_id in graph.types:
        if node_id not in seen:
            raise InvalidTree(node_id, "isolated_node", "node is not reachable from the start")


def _check_acyclic(graph: Graph) -> None:
    state: dict[str, int] = {}

    def visit(node_id: str) -> None:
        state[node_id] = 1
        for _, target in graph.successors[node_id]:
            if state.get(target) == 1:
                raise InvalidTree(target, "cycle", "pipeline graph has circle")
            if target not in state:
                visit(target)
        state[node_id] = 2

    visit(graph.start)


def _check_conditions(graph: Graph) -> None:
    for node_id, kind in graph.types.items():
        if kind not in BRANCHING:
            continue
        node = graph.raw[node_id]
        conditions = node.get("conditions") or {}
        default = (node.get("default_condition") or {}).get("flow_id")
        outgoing = {flow for flow, _ in graph.successors[node_id]}
        if not isinstance(conditions, Mapping):
            raise InvalidTree(node_id, "conditions", "conditions must be an object")
        for flow_id, condition in conditions.items():
            if flow_id not in outgoing:
                raise InvalidTree(node_id, "conditions", f"condition for foreign flow {flow_id}")
            if not isinstance(condition, Mapping) or not isinstance(condition.get("evaluate"), str):
                raise InvalidTree(node_id, "conditions", f"flow {flow_id} has no evaluate text")
        if default is not None and default not in outgoing:
            raise InvalidTree(node_id, "conditions", f"default flow {default} is not outgoing")
        for flow_id in outgoing - set(conditions) - {default}:
            raise InvalidTree(node_id, "conditions", f"outgoing flow {flow_id} has no condition")


@dataclass(frozen=True)
class _Match:
    kind: str  # "converge" | "end" | "loop"
    converge: str = ""
    shared: bool = False
    reaches_end: bool = False


def match_converges(graph: Graph) -> dict[str, str]:
    """Find the converge gateway of every gateway, checking bamboo's block rules."""
    memo: dict[str, _Match] = {}
    owner: dict[str, str] = {}

    def walk(node_id: str, visiting: frozenset[str], in_block: bool) -> tuple[str, str]:
        seen: set[str] = set()
        while True:
            kind = graph.types[node_id]
            if node_id in seen or node_id in visiting or kind == START:
                return ("loop", node_id)
            seen.add(node_id)
            if kind in END_TYPES:
                return ("end", node_id)
            if kind == CONVERGE:
                return ("converge", node_id)
            if kind in ACTIVITY_TYPES:
                node_id = graph.successors[node_id][0][1]
                continue
            found = match(node_id, visiting, in_block)
            if in_block and (found.kind != "converge" or found.reaches_end):
                detail = "a gateway inside a parallel block must converge all its branches"
                raise InvalidTree(node_id, "converge_match", detail)
            if found.kind != "converge":
                return (found.kind, node_id)
            if found.shared:
                return ("converge", found.converge)
            node_id = graph.successors[found.converge][0][1]

    def match(gateway: str, visiting: frozenset[str], in_block: bool) -> _Match:
        if gateway in memo:
            return memo[gateway]
        kind = graph.types[gateway]
        forking = kind in FORKING
        inner = visiting | {gateway}
        results = [walk(t, inner, in_block or forking) for _, t in graph.successors[gateway]]
        reached = [target for what, target in results if what == "converge"]
        incoming = {c: len(graph.predecessors[c]) for c in reached}
        if forking:
            if len(set(reached)) != 1 or len(reached) != len(results):
                detail = "every branch of a parallel gateway must reach the same converge gateway"
                raise InvalidTree(gateway, "converge_match", detail)
            converge = reached[0]
            if owner.setdefault(converge, gateway) != gateway:
                detail = "a converge gateway may converge the branches of one parallel gateway"
                raise InvalidTree(converge, "converge_match", detail)
            if incoming[converge] < len(results):
                detail = f"converge gateway does not converge every branch of {gateway}"
                raise InvalidTree(converge, "converge_match", detail)
            found = _Match("converge", converge, incoming[converge] > len(results))
        elif len(set(reached)) > 1:
            detail = "all branches of an exclusive gateway must first meet the same converge"
            raise InvalidTree(gateway, "converge_match", detail)
        elif reached:
            ends = any(what == "end" for what, _ in results)
            converge = reached[0]
            found = _Match("converge", converge, incoming[converge] > len(reached), ends)
        elif any(what == "end" for what, _ in results):
            found = _Match("end", reaches_end=True)
        else:
            found = _Match("loop")
        memo[gateway] = found
        return found

    for gateway in _gateways_by_distance(graph):
        if graph.types[gateway] != CONVERGE:
            match(gateway, frozenset(), False)
    return {g: m.converge for g, m in memo.items() if m.kind == "converge"}


def _gateways_by_distance(graph: Graph) -> list[str]:
    order: list[str] = []
    seen = {graph.start}
    queue = deque([graph.start])
    while queue:
        node_id = queue.popleft()
        if graph.types[node_id] in GATEWAY_TYPES:
            order.append(node_id)
        for _, target in graph.successors[node_id]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return order
