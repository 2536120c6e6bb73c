"""What a runner writes down, in template ids, so that the two sides can be compared.

Engine level: at every clock second and after every action, each node's
(state, loop, retry, skip, error_ignored) — a `Row` — for the nodes that have a state; the
action results (accepted or refused); the final rows. API level: the get_task_status tree as
the mock renders it (simulator) or as bk-sops's view renders the real engine's states, with the
parts that cannot match (versions, times, elapsed seconds) reduced to what they say.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Row = tuple[str, int, int, bool, bool]  # state, loop, retry, skip, error_ignored
Sample = dict[str, Row]
ROOT = "root"


@dataclass
class Trace:
    side: str
    results: list[tuple[str, bool]] = field(default_factory=list)
    samples: list[tuple[str, Sample]] = field(default_factory=list)
    api: dict[str, Any] = field(default_factory=dict)
    # the real engine's exact per-node state writes (post_set_state), when the side has them
    transitions: dict[str, list[str]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "results": [list(r) for r in self.results],
            "samples": [
                [label, {k: list(v) for k, v in rows.items()}] for label, rows in self.samples
            ],
            "api": self.api,
            "transitions": self.transitions,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Trace:
        samples = [
            (label, {k: (v[0], v[1], v[2], v[3], v[4]) for k, v in rows.items()})
            for label, rows in data["samples"]
        ]
        return cls(
            side=data["side"],
            results=[(label, bool(ok)) for label, ok in data["results"]],
            samples=samples,
            api=data["api"],
            transitions=data["transitions"],
        )

    def sample(self, label: str, rows: Sample) -> None:
        self.samples.append((label, rows))

    @property
    def final(self) -> Sample:
        return self.samples[-1][1] if self.samples else {}

    def sequences(self) -> dict[str, list[tuple[str, Row]]]:
        """Per node, the distinct rows it went through, each with the sample (clock reading or
        action) where it was first seen; repeats folded."""
        out: dict[str, list[tuple[str, Row]]] = {}
        for label, rows in self.samples:
            for node, row in rows.items():
                seen = out.setdefault(node, [])
                if not seen or seen[-1][1] != row:
                    seen.append((label, row))
        return out


def derive_legacy(tree: dict[str, Any]) -> None:
    """bk-sops's format_bamboo_engine_status_legacy, bottom-up: a RUNNING parent shows FAILED
    when a child failed, else NODE_SUSPENDED when a child is (node-)suspended."""
    states = set()
    for child in tree["children"].values():
        derive_legacy(child)
        states.add(child["state"])
    if tree["state"] == "RUNNING":
        if "FAILED" in states:
            tree["state"] = "FAILED"
        elif states & {"SUSPENDED", "NODE_SUSPENDED"}:
            tree["state"] = "NODE_SUSPENDED"


def normal_api(tree: Mapping[str, Any], back: Mapping[str, str]) -> dict[str, Any]:
    """A status tree with run ids turned into template ids and clock-bound values reduced."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if key in ("version", "elapsed_time"):
            continue
        if key in ("start_time", "finish_time"):
            out[key] = value is not None
        elif key in ("id", "parent_id", "root_id:"):
            out[key] = back.get(value, value)
        elif key == "children":
            out[key] = {back.get(k, k): normal_api(v, back) for k, v in value.items()}
        else:
            out[key] = value
    return out


def first_api_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two normalised status trees first differ (None when equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                side = "real" if key in a else "simulator"
                return f"{path}/{key}: only the {side} has it"
            found = first_api_difference(a[key], b[key], f"{path}/{key}")
            if found:
                return found
        return None
    return None if a == b else f"{path}: real {a!r} vs simulator {b!r}"
