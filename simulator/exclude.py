"""How bk-sops prepares a template tree for a task: excluded nodes, collapsed parallel
gateways, unused constants dropped, then the caller's constant values applied.

Everything works on a deep copy; the template's own tree is never touched.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from .conditions import TEMPLATE, references
from .errors import ExcludeNodeError
from .tree import BRANCHING, PARALLEL, SUBPROCESS, as_list, graph_of, match_converges

Json = dict[str, Any]


def prepare_tree(template_tree: Mapping[str, Any], exclude: Sequence[str]) -> Json:
    """The template tree minus the excluded optional nodes, with unused constants dropped."""
    tree: Json = copy.deepcopy(dict(template_tree))
    tree.setdefault("constants", {})
    tree.setdefault("outputs", [])
    lines = {line["id"]: line for line in tree.get("line", []) if isinstance(line, dict)}
    locations = {loc["id"]: loc for loc in tree.get("location", []) if isinstance(loc, dict)}
    for node_id in exclude:
        if node_id not in tree["activities"]:
            raise ExcludeNodeError(node_id, "not_in_tree")
        act = tree["activities"].pop(node_id)
        if not act.get("optional", False):
            raise ExcludeNodeError(node_id, "not_optional")
        _bypass(tree, act, lines, locations)
    if exclude:
        _collapse_parallels(tree, lines, locations)
    if "line" in tree:
        tree["line"] = list(lines.values())
    if "location" in tree:
        tree["location"] = list(locations.values())
    _drop_unused_constants(tree, exclude)
    return tree


def _node(tree: Json, node_id: str) -> Json:
    found: Json | None = tree["activities"].get(node_id) or tree["gateways"].get(node_id)
    return tree["end_event"] if found is None else found


def _replace_incoming(node: Json, old: str, new: list[str]) -> None:
    if isinstance(node["incoming"], list):
        node["incoming"].remove(old)
        node["incoming"].extend(new)
    else:
        node["incoming"] = new[0] if len(new) == 1 else list(new)


def _bypass(tree: Json, act: Mapping[str, Any], lines: Json, locations: Json) -> None:
    """Re-wire the flows into an excluded activity straight to the node after it."""
    incoming = as_list(act["incoming"])
    outgoing = act["outgoing"]
    following = _node(tree, tree["flows"][outgoing]["target"])
    _replace_incoming(following, outgoing, incoming)
    for flow_id in incoming:
        tree["flows"][flow_id]["target"] = following["id"]
        if flow_id in lines:
            lines[flow_id]["target"]["id"] = following["id"]
    tree["flows"].pop(outgoing)
    lines.pop(outgoing, None)
    locations.pop(act["id"], None)


def _collapse_parallels(tree: Json, lines: Json, locations: Json) -> None:
    """Drop parallel branches that now go straight to their converge gateway; drop the whole
    parallel block when no branch is left."""
    converges = match_converges(graph_of(tree))
    while True:
        count = len(tree["gateways"])
        for gateway_id, converge_id in converges.items():
            gateway = tree["gateways"].get(gateway_id)
            if gateway is not None and gateway["type"] == PARALLEL:
                _trim_parallel(tree, gateway, converge_id, lines, locations)
        if count == len(tree["gateways"]):
            return


def _trim_parallel(
    tree: Json, gateway: Json, converge_id: str, lines: Json, locations: Json
) -> None:
    converge = tree["gateways"][converge_id]
    converge["incoming"] = as_list(converge["incoming"])
    gateway["outgoing"] = as_list(gateway["outgoing"])
    whole = True
    for flow_id in list(gateway["outgoing"]):
        if tree["flows"][flow_id]["target"] != converge_id:
            whole = False
            continue
        converge["incoming"].remove(flow_id)
        gateway["outgoing"].remove(flow_id)
        tree["flows"].pop(flow_id)
        lines.pop(flow_id, None)
    if not whole:
        return
    after = converge["outgoing"]
    target = tree["flows"][after]["target"]
    following = _node(tree, target)
    tree["flows"].pop(after)
    lines.pop(after, None)
    redirected = [*converge["incoming"], *as_list(gateway["incoming"])]
    for flow_id in redirected:
        tree["flows"][flow_id]["target"] = target
        if flow_id in lines:
            lines[flow_id]["target"]["id"] = target
    _replace_incoming(following, after, redirected)
    for node_id in (gateway["id"], converge_id):
        tree["gateways"].pop(node_id)
        locations.pop(node_id, None)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def _drop_unused_constants(tree: Json, exclude: Sequence[str]) -> None:
    constants: Json = tree["constants"]
    texts: list[str] = []
    for act in tree["activities"].values():
        if act.get("type") == SUBPROCESS:
            params = (act.get("constants") or {}).values()
            texts.extend(_strings([c for c in params if c.get("show_type") == "show"]))
        else:
            texts.extend(_strings((act.get("component") or {}).get("data") or {}))
    for gateway in tree["gateways"].values():
        if gateway.get("type") in BRANCHING:
            texts.extend(c.get("evaluate", "") for c in (gateway.get("conditions") or {}).values())
    referenced: list[str] = []
    pending = [t for t in texts if TEMPLATE.search(t)]
    while pending:
        found = {f"${{{name}}}" for text in pending for name in references(text)}
        fresh = [key for key in found if key in constants and key not in referenced]
        referenced.extend(fresh)
        pending = [t for key in fresh for t in _strings(constants[key]) if TEMPLATE.search(t)]
    keep = set(referenced)
    keep.update(k for k, c in constants.items() if c.get("source_type") == "component_outputs")
    tree["outputs"] = [key for key in tree.get("outputs", []) if key in keep]
    kept: Json = {}
    for index, key in enumerate(sorted(keep, key=lambda k: constants[k].get("index", 0))):
        constant = constants[key]
        constant["index"] = index
        source_info = constant.get("source_info")
        if isinstance(source_info, dict):
            for node_id in exclude:
                source_info.pop(node_id, None)
        kept[key] = constant
    tree["constants"] = kept


def apply_constants(tree: Json, values: Mapping[str, Any]) -> None:
    """Overwrite the value of every existing constant named in `values`; ignore unknown keys."""
    for key, constant in tree["constants"].items():
        if key in values:
            constant["value"] = values[key]
