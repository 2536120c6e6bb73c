"""Scenario kinds: for any template tree, the standard scenarios the differential suite runs.

Each kind acts on the template's first activity that a run reaches (in flow order from the
start event; gateways branch on the template's constants), so that it applies to every tree;
two kinds need a tree feature (an exclusive gateway, a subprocess) and return None where the
tree has none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .scenario import Action, Behaviour, Scenario
from .trees import SUBPROCESS

Maker = Callable[[int, Mapping[str, Any]], Scenario | None]


def reached(template_id: int, tree: Mapping[str, Any]) -> set[str]:
    """The nodes a plain run of the tree reaches (the simulator, all activities succeeding):
    gateways pick their branches from the template's constants."""
    from .simside import SimRun

    probe = Scenario("probe", tree, template_id=template_id, actions=(Action(0, "start"),))
    return set(SimRun(probe).run().final)


def first_activity(tree: Mapping[str, Any], runs: set[str] | None = None) -> str:
    """The first top-level service activity reached from the start event (flow order), among
    the nodes a run reaches when `runs` is given."""
    flows, acts, gws = tree["flows"], tree["activities"], tree["gateways"]
    seen: set[str] = set()
    queue = [tree["start_event"]["id"]]
    while queue:
        node_id = queue.pop(0)
        if node_id in seen:
            continue
        seen.add(node_id)
        act = acts.get(node_id)
        if act is not None and act.get("type") != SUBPROCESS and (runs is None or node_id in runs):
            return str(node_id)
        node = acts.get(node_id) or gws.get(node_id) or tree["start_event"]
        outgoing = node.get("outgoing") or []
        for flow in [outgoing] if isinstance(outgoing, str) else outgoing:
            queue.append(flows[flow]["target"])
    raise ValueError("the tree has no top-level service activity")


def _one(
    name: str,
    template_id: int,
    tree: Mapping[str, Any],
    spec: Behaviour,
    actions: list[Action],
    horizon: int = 12,
    **extra: Any,
) -> Scenario:
    target = first_activity(tree, reached(template_id, tree))
    filled = [_on(a, target) if a.node == TARGET else a for a in actions]
    return Scenario(
        name=name,
        tree=tree,
        template_id=template_id,
        behaviours={target: spec},
        actions=(Action(0, "start"), *filled),
        horizon=horizon,
        **extra,
    )


TARGET = "@target"  # stands for the kind's target activity until the tree is known


def _on(action: Action, node: str) -> Action:
    return Action(action.at, action.op, node, action.flow, action.inputs, action.ok)


FAIL = Behaviour(kind="fail", ex_data="diff: the job failed")
FAIL_ONCE = Behaviour(kind="fail", ex_data="diff: the job failed", fail_times=1)
POLL3 = Behaviour(kind="poll", polls=3)
POLL4 = Behaviour(kind="poll", polls=4)
CALLBACK = Behaviour(kind="callback")


def _skip_exg(template_id: int, tree: Mapping[str, Any]) -> Scenario | None:
    """An exclusive gateway whose constants match no branch (and with no default) fails."""
    for gw in tree["gateways"].values():
        if gw["type"] != "ExclusiveGateway" or gw.get("default_condition"):
            continue
        names = {
            k
            for k in tree.get("constants", {})
            if any(k in c["evaluate"] for c in gw["conditions"].values())
        }
        if not names:
            continue
        flow = sorted(gw["conditions"])[0]
        return Scenario(
            name="skip_exg",
            tree=tree,
            template_id=template_id,
            constants=dict.fromkeys(names, "nomatch"),
            actions=(Action(0, "start"), Action(2, "skip_exg", gw["id"], flow)),
            horizon=8,
        )
    return None


def _subprocess(template_id: int, tree: Mapping[str, Any]) -> Scenario | None:
    """Pause and resume a subprocess while its first activity is being polled."""
    for act in tree["activities"].values():
        if act.get("type") != SUBPROCESS:
            continue
        inner = first_activity(act["pipeline"], reached(template_id, tree))
        return Scenario(
            name="subprocess_pause",
            tree=tree,
            template_id=template_id,
            behaviours={inner: POLL3},
            actions=(
                Action(0, "start"),
                Action(1, "pause_subproc", act["id"]),
                Action(8, "resume_subproc", act["id"]),
            ),
            horizon=12,
        )
    return None


KINDS: dict[str, Maker] = {
    "happy": lambda i, t: _one("happy", i, t, Behaviour(), [], horizon=4),
    "fail": lambda i, t: _one("fail", i, t, FAIL, [], horizon=4),
    "retry_inputs": lambda i, t: _one(
        "retry_inputs", i, t, FAIL_ONCE, [Action(2, "retry", TARGET, inputs={"note": "again"})]
    ),
    "retry_fails_again": lambda i, t: _one(
        "retry_fails_again", i, t, FAIL, [Action(2, "retry", TARGET)]
    ),
    "skip": lambda i, t: _one("skip", i, t, FAIL, [Action(2, "skip", TARGET)]),
    "ignorable": lambda i, t: _one(
        "ignorable", i, t, Behaviour(kind="fail", ignorable=True), [], horizon=4
    ),
    "poll": lambda i, t: _one("poll", i, t, POLL3, []),
    "callback_ok": lambda i, t: _one(
        "callback_ok", i, t, CALLBACK, [Action(3, "callback", TARGET)]
    ),
    "callback_not_ok": lambda i, t: _one(
        "callback_not_ok", i, t, CALLBACK, [Action(3, "callback", TARGET, ok=False)]
    ),
    "pause_resume": lambda i, t: _one(
        "pause_resume", i, t, POLL3, [Action(1, "pause"), Action(8, "resume")]
    ),
    "pause_failed": lambda i, t: _one(
        "pause_failed", i, t, FAIL, [Action(1, "pause"), Action(3, "resume")]
    ),
    "revoke_polling": lambda i, t: _one("revoke_polling", i, t, POLL4, [Action(1, "revoke")]),
    "revoke_callback": lambda i, t: _one(
        "revoke_callback", i, t, CALLBACK, [Action(1, "revoke"), Action(3, "callback", TARGET)]
    ),
    "forced_fail_retry": lambda i, t: _one(
        "forced_fail_retry",
        i,
        t,
        CALLBACK,
        [
            Action(2, "forced_fail", TARGET),
            Action(4, "retry", TARGET),
            Action(6, "callback", TARGET),
        ],
    ),
    "skip_exg": _skip_exg,
    "subprocess_pause": _subprocess,
}
