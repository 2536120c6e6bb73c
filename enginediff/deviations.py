"""Differences from bamboo-engine the simulator keeps on purpose (README: "Engine differences
measured against bamboo-engine"). A measured difference that one of these explains is shown as
that deviation, not as a failure; anything else is a failure to fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .scenario import Scenario
from .trace import Trace


@dataclass(frozen=True)
class Deviation:
    key: str
    reason: str
    applies: Callable[[Scenario, Trace, Trace, str], bool]


def divergence(real: Trace, sim: Trace) -> int:
    """Index of the first sample where the two sides' rows differ (len when none)."""
    for pos, ((_, a), (_, b)) in enumerate(zip(real.samples, sim.samples, strict=False)):
        if a != b:
            return pos
    return len(real.samples)


def _after_action(real: Trace, sim: Trace, op: str, ok: bool | None = None) -> bool:
    """The sides part at or after an accepted action `op` (a callback with that `ok`)."""
    split = divergence(real, sim)
    labels = [label for label, _ in real.samples[: split + 1]]
    accepted = {label for label, yes in real.results if yes}
    for label in labels:
        if label not in accepted:
            continue
        words = label.split()
        if words[1] != op:
            continue
        if ok is None or (words[-1] == "ok") == ok:
            return True
    return False


def _refused_after_revoke(scenario: Scenario, real: Trace, sim: Trace, diff: str) -> bool:
    if "real accepts, simulator refuses" not in diff:
        return False
    revoked = [label for label, yes in real.results if yes and label.split()[1] == "revoke"]
    return bool(revoked)


def _failing_callback(scenario: Scenario, real: Trace, sim: Trace, diff: str) -> bool:
    return _after_action(real, sim, "callback", ok=False)


def _has_fork(tree: Any) -> bool:
    from .trees import gateways

    return any(
        g["type"] in ("ParallelGateway", "ConditionalParallelGateway") for g in gateways(tree)
    )


def _branch_order(scenario: Scenario, real: Trace, sim: Trace, diff: str) -> bool:
    """The root's error flags are copied from the last state row created: which row that is
    depends on how parallel branches interleave."""
    root_flags = ("api: get_task_status /error_ignorable:", "api: get_task_status /error_ignored:")
    return diff.startswith(root_flags) and _has_fork(scenario.tree)


def _callback_on_polled_node(scenario: Scenario, real: Trace, sim: Trace, diff: str) -> bool:
    """The sides part at or after an accepted callback sent to a node that is being polled."""
    split = divergence(real, sim)
    accepted = {label for label, yes in real.results if yes}
    for label, _ in real.samples[: split + 1]:
        words = label.split()
        if label in accepted and words[1] == "callback":
            kinds = {
                scenario.behaviour(n).kind for n in scenario.behaviours if n.startswith(words[2])
            }
            if kinds == {"poll"}:
                return True
    return False


KNOWN: tuple[Deviation, ...] = (
    Deviation(
        "callback-on-polled-node",
        "bamboo-engine accepts a callback for any node with a live schedule, a polled one too, "
        "and runs the plugin's schedule() once more with the data (an extra poll); the "
        "simulator has no plugin code to run, so it refuses a callback to a node that is not "
        'waiting for one ("Schedule matching query does not exist.")',
        _callback_on_polled_node,
    ),
    Deviation(
        "branch-order",
        "the simulator runs a forked branch depth-first up to where it waits, then the next "
        "branch; bamboo-engine queues one message per branch and, with Celery workers, runs "
        "them in whatever order they are taken. Per-node sequences do not depend on it; the "
        "root's error_ignorable/error_ignored in get_task_status do (bamboo copies them from the "
        "last state row created), so those two flags can differ in trees that fork",
        _branch_order,
    ),
    Deviation(
        "node-ops-after-revoke",
        "the simulator refuses node operations on a revoked task; bamboo-engine accepts some "
        "(a callback still finishes its node) but the revoked pipeline never "
        "moves on, so bk-sops users only see effects that lead nowhere",
        _refused_after_revoke,
    ),
    Deviation(
        "callback-always-succeeds",
        "a callback finishes its node in the simulator whatever its data; in bamboo-engine the "
        "plugin's schedule() reads the data and may fail the node, and the simulator has no "
        "plugin code (a failing callback is modelled as a scenario outcome instead)",
        _failing_callback,
    ),
)


def explain(scenario: Scenario, real: Trace, sim: Trace, diff: str) -> Deviation | None:
    for deviation in KNOWN:
        if deviation.applies(scenario, real, sim, diff):
            return deviation
    return None
