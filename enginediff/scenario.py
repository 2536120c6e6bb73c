"""The scenario format both runners accept: a tree, what each activity does, a script of actions.

A scenario names nodes and flows by their ids in the *template* tree (the bk-sops web pipeline
tree a fixture holds, or a generated one). Each runner maps them onto the ids of its own run.
Times are whole seconds after the task was created; the start is an action like any other.

JSON shape (what `to_dict` writes and `from_dict` reads)::

    {"name": "...", "tree": {...web tree...},
     "behaviours": {"<node id>": {"kind": "fail", "ex_data": "boom", "fail_times": 1}},
     "actions": [{"at": 0, "op": "start"}, {"at": 3, "op": "retry", "node": "<id>",
                  "inputs": {"note": "again"}}],
     "horizon": 30}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

KINDS: Final = ("succeed", "fail", "poll", "callback")
OPS: Final = (
    "start",
    "pause",
    "resume",
    "revoke",
    "retry",
    "skip",
    "skip_exg",
    "forced_fail",
    "callback",
    "pause_subproc",
    "resume_subproc",
)
NODE_OPS: Final = frozenset(OPS[4:])
# The real engine's poll components wait this long between two polls (seconds).
POLL_INTERVAL: Final = 2


class ScenarioError(ValueError):
    """A scenario that cannot be run (unknown op, node, kind...)."""


@dataclass(frozen=True)
class Behaviour:
    """What one activity does each time it runs.

    kind: succeed (at once) | fail (at once, with `ex_data`; only the first `fail_times`
    attempts when fail_times > 0, then it succeeds) | poll (polled every POLL_INTERVAL s, done at
    the `polls`-th poll) | callback (waits for a callback; the callback says ok or not).
    ignorable: the node is error_ignorable in the tree (bk-sops then forces skippable too).
    """

    kind: str = "succeed"
    ex_data: str = "diff failure"
    fail_times: int = 0
    polls: int = 1
    ignorable: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ScenarioError(f"unknown behaviour kind {self.kind!r}")
        if self.fail_times < 0 or self.polls < 1:
            raise ScenarioError("fail_times must be >= 0 and polls >= 1")

    @property
    def poll_seconds(self) -> int:
        """How long a poll node runs: the first poll comes at once, then one per interval."""
        return (self.polls - 1) * POLL_INTERVAL if self.kind == "poll" else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ex_data": self.ex_data,
            "fail_times": self.fail_times,
            "polls": self.polls,
            "ignorable": self.ignorable,
        }


@dataclass(frozen=True)
class Action:
    """One operation at a clock reading (seconds after creation)."""

    at: int
    op: str
    node: str = ""
    flow: str = ""
    inputs: Mapping[str, Any] | None = None
    ok: bool = True

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ScenarioError(f"unknown action {self.op!r}")
        if self.op in NODE_OPS and not self.node:
            raise ScenarioError(f"action {self.op} needs a node")
        if self.op == "skip_exg" and not self.flow:
            raise ScenarioError("skip_exg needs a flow")
        if self.at < 0:
            raise ScenarioError("actions happen at or after creation")

    def label(self) -> str:
        text = f"t={self.at} {self.op}"
        if self.node:
            text += f" {self.node[:8]}"
        if self.op == "callback":
            text += " ok" if self.ok else " not-ok"
        return text

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at, "op": self.op}
        if self.node:
            out["node"] = self.node
        if self.flow:
            out["flow"] = self.flow
        if self.inputs is not None:
            out["inputs"] = dict(self.inputs)
        if self.op == "callback":
            out["ok"] = self.ok
        return out


@dataclass(frozen=True)
class Scenario:
    name: str
    tree: Mapping[str, Any]
    behaviours: Mapping[str, Behaviour] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    horizon: int = 30
    template_id: int = 1
    constants: Mapping[str, Any] = field(default_factory=dict)  # create_task's constants

    def __post_init__(self) -> None:
        times = [a.at for a in self.actions]
        if times != sorted(times):
            raise ScenarioError("actions must be in clock order")
        if times and self.horizon < times[-1]:
            raise ScenarioError("the horizon ends before the last action")

    def behaviour(self, node_id: str) -> Behaviour:
        return self.behaviours.get(node_id, SUCCEED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "template_id": self.template_id,
            "tree": self.tree,
            "behaviours": {k: b.to_dict() for k, b in sorted(self.behaviours.items())},
            "actions": [a.to_dict() for a in self.actions],
            "horizon": self.horizon,
            "constants": dict(self.constants),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        try:
            return cls(
                name=str(data["name"]),
                tree=data["tree"],
                behaviours={k: Behaviour(**v) for k, v in data.get("behaviours", {}).items()},
                actions=tuple(Action(**a) for a in data.get("actions", ())),
                horizon=int(data.get("horizon", 30)),
                template_id=int(data.get("template_id", 1)),
                constants=dict(data.get("constants", {})),
            )
        except (KeyError, TypeError) as exc:
            raise ScenarioError(f"bad scenario: {exc}") from exc


SUCCEED: Final = Behaviour()
