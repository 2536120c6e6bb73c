"""What the tour of `sops-mock demo` does: its tasks, its cues, and how it reads their progress.

Each task comes from a template of the default fixture and shows one thing; the cues say when
(on the mock's clock) the tour operates which task. Reading progress walks the task's tree and
its status tree together, subprocesses included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# (task, seconds after the tour's start on the mock's clock, operate_task action)
CUES = (("parallel", 4.0, "pause"), ("revoked", 10.0, "revoke"), ("parallel", 18.0, "resume"))
CALLBACK_AFTER = 16.0  # the waiting node is called back once it has waited a while


@dataclass(frozen=True)
class Plan:
    """One task of the tour: what it is made from and what it shows."""

    key: str
    template_id: int
    name: str
    shows: str
    constants: dict[str, Any] = field(default_factory=dict)
    needs: str = ""  # an operation the mock must serve for this task to be part of the tour


PLANS = (
    Plan("steps", 31, "five steps", "runs from start to end"),
    Plan("parallel", 33, "three regions", "parallel branches; paused, then resumed"),
    Plan("exclusive", 34, "prod config", "exclusive gateway on ${env}", {"${env}": "prod"}),
    Plan(
        "conditional",
        35,
        "alerts",
        "conditional parallel: two channels on",
        {"${notify_mail}": "true", "${notify_wechat}": "true"},
    ),
    Plan("subprocess", 36, "test env", "a subprocess with its own nodes"),
    Plan("failing", 38, "db backup", "a node fails once"),
    Plan("callback", 32, "waits", "a node waits for node_callback", needs="node_callback"),
    Plan("revoked", 33, "cancelled rollout", "revoked while it runs"),
)


@dataclass
class Run:
    plan: Plan
    task_id: int
    tree: dict[str, Any]
    status: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    note_frame: int = 0
    seen: set[str] = field(default_factory=set)  # one-shot events already played

    @property
    def state(self) -> str:
        return str(self.status.get("state", "CREATED"))


def activities(tree: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every activity of a pipeline tree, those of its subprocesses' pipelines included."""
    for node_id, act in tree.get("activities", {}).items():
        yield node_id, act
        if act.get("pipeline"):
            yield from activities(act["pipeline"])


def states(status: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every node of a status tree, parents before their children."""
    for node_id, child in status.get("children", {}).items():
        yield node_id, child
        yield from states(child)


def progress(run: Run) -> tuple[int, int, list[str]]:
    """(finished activities, activities, names of running ones)."""
    acts = dict(activities(run.tree))
    leaves = {k: v for k, v in acts.items() if v.get("type") != "SubProcess"}
    reached = dict(states(run.status))
    done = sum(1 for k in leaves if reached.get(k, {}).get("state") == "FINISHED")
    running = [
        str(leaves[k].get("name", k))
        for k, v in reached.items()
        if k in leaves and v["state"] == "RUNNING"
    ]
    total = len(leaves)
    return (total if run.state == "FINISHED" else done), total, running
