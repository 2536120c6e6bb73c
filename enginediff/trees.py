"""Trees: fixture templates, template -> run id maps, and the web tree in bamboo-engine's format.

The simulator gives a task fresh node and flow ids (as bk-sops's replace_all_id does). The real
runner is handed the simulator's execution tree, so both sides run nodes with the same ids;
`id_map` says which run id a template id became.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from .scenario import Behaviour, Scenario

SUBPROCESS = "SubProcess"


def fixture_templates(fixture: str = "default") -> list[tuple[int, str, dict[str, Any]]]:
    """(template id, name, web tree) of every template of a fixture, common ones included."""
    import fixtures

    data = fixtures.load(fixture)
    found = []
    for key in ("templates", "common_templates"):
        for tpl in data.get(key, []):
            found.append((int(tpl["id"]), str(tpl["name"]), tpl["pipeline_tree"]))
    return found


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    return [value] if isinstance(value, str) else list(value)


def nodes(tree: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of a web tree, subprocess contents included (parents before children)."""
    yield tree["start_event"]
    for act in tree["activities"].values():
        yield act
        if act.get("type") == SUBPROCESS:
            yield from nodes(act["pipeline"])
    yield from tree["gateways"].values()
    yield tree["end_event"]


def _pairs(template: Mapping[str, Any], run: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for key in ("start_event", "end_event"):
        yield template[key]["id"], run[key]["id"]
    for key in ("activities", "gateways", "flows"):
        a, b = template[key], run[key]
        if len(a) != len(b):
            raise ValueError(f"the execution tree has other {key} than the template")
        for (ta, na), (tb, nb) in zip(a.items(), b.items(), strict=True):
            if na.get("type") != nb.get("type"):
                raise ValueError(f"cannot pair template {key} {ta} with run {tb}")
            yield ta, tb
            if key == "activities" and na.get("type") == SUBPROCESS:
                yield from _pairs(na["pipeline"], nb["pipeline"])


def id_map(template: Mapping[str, Any], run: Mapping[str, Any]) -> dict[str, str]:
    """Template node/flow id -> the id the run gave it (the execution tree keeps the order)."""
    found = dict(_pairs(template, run))
    for act in walk_activities(run):
        tid = act.get("template_node_id")
        if tid and found.get(tid) != act["id"]:
            raise ValueError(f"activity {tid} did not pair with its run copy")
    return found


def walk_activities(tree: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every activity (service activities and subprocesses), subprocess contents included."""
    for act in tree["activities"].values():
        yield act
        if act.get("type") == SUBPROCESS:
            yield from walk_activities(act["pipeline"])


def prepared_tree(scenario: Scenario) -> dict[str, Any]:
    """The scenario's template tree with `ignorable` behaviours made error_ignorable.

    bk-sops forces skippable on an error_ignorable node (pipeline_web/parser/format.py).
    """
    tree = copy.deepcopy(dict(scenario.tree))
    for act in walk_activities(tree):
        if scenario.behaviour(act["id"]).ignorable:
            act["error_ignorable"] = True
            act["skippable"] = True
    return tree


def activity_ids(tree: Mapping[str, Any]) -> list[str]:
    return [a["id"] for a in walk_activities(tree) if a.get("type") != SUBPROCESS]


def subprocess_ids(tree: Mapping[str, Any]) -> list[str]:
    return [a["id"] for a in walk_activities(tree) if a.get("type") == SUBPROCESS]


def gateways(tree: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every gateway, subprocess contents included."""
    return [n for n in nodes(tree) if n.get("type", "").endswith("Gateway")]


# bamboo-engine's tree -------------------------------------------------------------------------
COMPONENT = {
    "succeed": "diff_instant",
    "fail": "diff_instant",
    "poll": "diff_poll",
    "callback": "diff_callback",
}


def _constant_inputs(constants: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    inputs = {}
    for key, const in constants.items():
        value = given.get(key, const.get("value", ""))
        inputs[key] = {"type": "plain", "value": value}
    return inputs


def engine_tree(
    run: Mapping[str, Any],
    behaviours: Mapping[str, Behaviour],
    given: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A run's web tree in the shape bamboo_engine.api.run_pipeline takes.

    `behaviours` is keyed by run node id; every activity becomes the test component of its
    behaviour's kind, with the behaviour as its one input. Conditions and the converge
    matching are left to the engine's validator.
    """
    out: dict[str, Any] = {"id": run["id"]}
    start, end = run["start_event"], run["end_event"]
    out["start_event"] = {
        "id": start["id"],
        "type": start.get("type", "EmptyStartEvent"),
        "name": start.get("name") or "",
        "incoming": "",
        "outgoing": start["outgoing"],
    }
    out["end_event"] = {
        "id": end["id"],
        "type": end.get("type", "EmptyEndEvent"),
        "name": end.get("name") or "",
        "incoming": _as_list(end["incoming"]),
        "outgoing": "",
    }
    acts: dict[str, Any] = {}
    for act_id, act in run["activities"].items():
        base = {
            "id": act_id,
            "name": act.get("name") or "",
            "incoming": _as_list(act["incoming"]),
            "outgoing": act["outgoing"],
        }
        if act.get("type") == SUBPROCESS:
            child = dict(act["pipeline"])
            child["id"] = act_id
            params = {k: v.get("value") for k, v in (act.get("constants") or {}).items()}
            acts[act_id] = {
                **base,
                "type": SUBPROCESS,
                "params": {},
                "pipeline": engine_tree(child, behaviours, params),
            }
            continue
        spec = behaviours.get(act_id, Behaviour())
        acts[act_id] = {
            **base,
            "type": "ServiceActivity",
            "error_ignorable": bool(act.get("error_ignorable", False)),
            "skippable": bool(act.get("skippable", act.get("isSkipped", True))),
            "retryable": bool(act.get("retryable", act.get("can_retry", True))),
            "timeout": None,
            "optional": False,
            "component": {
                "code": COMPONENT[spec.kind],
                "inputs": {"behaviour": {"type": "plain", "value": spec.to_dict()}},
            },
        }
    out["activities"] = acts
    gws: dict[str, Any] = {}
    for gw_id, gw in run["gateways"].items():
        kind = gw["type"]
        item: dict[str, Any] = {
            "id": gw_id,
            "type": kind,
            "name": gw.get("name") or "",
            "incoming": _as_list(gw["incoming"]),
            "outgoing": gw["outgoing"] if kind == "ConvergeGateway" else _as_list(gw["outgoing"]),
        }
        if kind in ("ExclusiveGateway", "ConditionalParallelGateway"):
            item["conditions"] = {
                flow: {"evaluate": cond["evaluate"]} for flow, cond in gw["conditions"].items()
            }
            default = gw.get("default_condition") or {}
            item["default_condition"] = {"flow_id": default["flow_id"]} if default else {}
        gws[gw_id] = item
    out["gateways"] = gws
    out["flows"] = {
        fid: {"id": fid, "source": f["source"], "target": f["target"], "is_default": False}
        for fid, f in run["flows"].items()
    }
    out["data"] = {
        "inputs": _constant_inputs(run.get("constants") or {}, given or {}),
        "outputs": [],
    }
    return out
