"""The execution tree of a task: the prepared template tree with fresh, derived ids.

Like bk-sops's `replace_all_id`, every node and flow gets a new id (subprocess trees too),
activities keep `template_node_id`, and references (conditions, converge ids, constants'
source_info, front-end lines and locations) follow the new ids.
"""

from __future__ import annotations

import copy
import marshal
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from . import ids
from .exclude import apply_constants
from .tree import SUBPROCESS, as_list

# Names a node or flow of the execution tree from its kind ("node" or "flow") and its path:
# the template id, behind the ids of the subprocess nodes it sits in ("sub/inner").
Namer = Callable[[str, str], str]


def task_namer(seed: int, task_id: int) -> Namer:
    """The ids task `task_id` gives its nodes and flows."""

    def name(kind: str, path: str) -> str:
        if kind == "node":
            return ids.node_id(seed, task_id, path)
        return ids.flow_id(seed, task_id, path)

    return name


def execution_tree(
    prepared: Mapping[str, Any], constants: Mapping[str, Any], seed: int, task_id: int
) -> dict[str, Any]:
    return renamed_tree(
        prepared, constants, task_namer(seed, task_id), ids.pipeline_id(seed, task_id)
    )


def renamed_tree(
    prepared: Mapping[str, Any], constants: Mapping[str, Any], namer: Namer, pipeline_id: str
) -> dict[str, Any]:
    """A copy of `prepared` with `constants` applied and every id given by `namer`."""
    tree = _copy(prepared)
    apply_constants(tree, constants)
    renamed = _rename(tree, namer, prefix="")
    renamed["id"] = pipeline_id
    return renamed


class TreeSource(NamedTuple):
    """What a task's execution tree is made from: enough to build it, or to render it.

    A named tuple: one is made for every task snapshot the engine hands out.
    """

    prepared: Mapping[str, Any]
    constants: Mapping[str, Any]  # the caller's values of constants the tree has
    seed: int
    task_id: int

    def build(self) -> dict[str, Any]:
        return execution_tree(self.prepared, self.constants, self.seed, self.task_id)


def _copy(tree: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of a JSON-like tree. marshal copies plain data (shared parts stay shared, as
    with deepcopy) several times faster than copy.deepcopy; anything else goes to deepcopy."""
    plain = dict(tree)
    try:
        copied: dict[str, Any] = marshal.loads(marshal.dumps(plain))
    except ValueError:  # a type marshal does not write, or nesting too deep for it
        copied = copy.deepcopy(plain)
    return copied


def _map_io(value: Any, flows: Mapping[str, str]) -> Any:
    if isinstance(value, list):
        return [flows.get(v, v) for v in value]
    return flows.get(value, value) if value else value


def _rename(tree: dict[str, Any], namer: Namer, prefix: str) -> dict[str, Any]:
    old_nodes = [tree["start_event"]["id"], tree["end_event"]["id"]]
    old_nodes += list(tree["activities"]) + list(tree["gateways"])
    nodes = {old: namer("node", prefix + old) for old in old_nodes}
    flows = {old: namer("flow", prefix + old) for old in tree["flows"]}

    def moved(node: dict[str, Any]) -> dict[str, Any]:
        node["id"] = nodes[node["id"]]
        node["incoming"] = _map_io(node.get("incoming", ""), flows)
        node["outgoing"] = _map_io(node.get("outgoing", ""), flows)
        return node

    tree["start_event"] = moved(tree["start_event"])
    tree["end_event"] = moved(tree["end_event"])
    activities: dict[str, Any] = {}
    for old, act in tree["activities"].items():
        act = moved(act)
        act["template_node_id"] = old
        if act.get("type") == SUBPROCESS and isinstance(act.get("pipeline"), dict):
            act["pipeline"] = _rename(act["pipeline"], namer, f"{prefix}{old}/")
            act["pipeline"]["id"] = act["id"]
        activities[act["id"]] = act
    tree["activities"] = activities
    gateways: dict[str, Any] = {}
    for gateway in tree["gateways"].values():
        gateway = moved(gateway)
        if isinstance(gateway.get("conditions"), dict):
            gateway["conditions"] = {flows.get(f, f): c for f, c in gateway["conditions"].items()}
        default = gateway.get("default_condition")
        if isinstance(default, dict) and default.get("flow_id") in flows:
            default["flow_id"] = flows[default["flow_id"]]
        if gateway.get("converge_gateway_id") in nodes:
            gateway["converge_gateway_id"] = nodes[gateway["converge_gateway_id"]]
        gateways[gateway["id"]] = gateway
    tree["gateways"] = gateways
    renamed_flows: dict[str, Any] = {}
    for old, flow in tree["flows"].items():
        flow["id"] = flows[old]
        flow["source"] = nodes.get(flow["source"], flow["source"])
        flow["target"] = nodes.get(flow["target"], flow["target"])
        renamed_flows[flow["id"]] = flow
    tree["flows"] = renamed_flows
    for constant in (tree.get("constants") or {}).values():
        info = constant.get("source_info") if isinstance(constant, dict) else None
        if isinstance(info, dict):
            constant["source_info"] = {nodes.get(k, k): v for k, v in info.items()}
    for line in tree.get("line") or []:
        line["id"] = flows.get(line.get("id"), line.get("id"))
        for end in ("source", "target"):
            if isinstance(line.get(end), dict):
                line[end]["id"] = nodes.get(line[end].get("id"), line[end].get("id"))
    for location in tree.get("location") or []:
        location["id"] = nodes.get(location.get("id"), location.get("id"))
    return tree


def incoming_of(node: Mapping[str, Any]) -> list[str]:
    return as_list(node.get("incoming"))
