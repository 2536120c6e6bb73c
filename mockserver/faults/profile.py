"""The fault profile of one app: its ordered rules, and the seeded decision for each request.

Rules are kept by id in insertion order (adding, replacing and removing one is O(1)), and a
request visits only the rules that can watch its operation: an index from operation name to
rules, rebuilt once after a change rather than on every insertion, so replacing n rules is
O(n) and a request costs the rules that watch it, not every rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from schemas.control_store import control_schema

from .rules import Rule
from .shapes import MAX_LATENCY, Fault

# How many rules one app holds: each request pays for every rule that watches it.
MAX_RULES: Final[int] = control_schema("faults/rules_input")["properties"]["rules"]["maxItems"]


def draw(seed: int, rule_id: str, number: int, purpose: str) -> float:
    """A uniform value in (0, 1) derived from its coordinates alone."""
    digest = hashlib.sha256(f"fault:{seed}:{rule_id}:{number}:{purpose}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / 2.0**64


@dataclass(frozen=True)
class Decision:
    """What the profile does to one request: the summed latency and the first fault."""

    latency: float = 0.0
    fault: Fault | None = None
    rule: str | None = None
    fired: tuple[str, ...] = field(default=())


class FaultProfile:
    """The ordered rules of one app. Callers hold the app's lock around every method."""

    def __init__(self, seed: int, rules: Iterable[Rule] = (), made: int = 0) -> None:
        self.seed = seed
        self._rules: dict[str, Rule] = {rule.id: rule for rule in rules}
        # How many ids `next_id` handed out: kept in snapshots so restored ids continue.
        self.made = made
        self._index: dict[str, list[Rule]] | None = None

    @property
    def rules(self) -> list[Rule]:
        return list(self._rules.values())

    @property
    def active(self) -> bool:
        return bool(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def get(self, rule_id: str) -> Rule | None:
        return self._rules.get(rule_id)

    def next_id(self) -> str:
        while True:
            self.made += 1
            candidate = f"rule-{self.made}"
            if candidate not in self._rules:
                return candidate

    def put(self, rule: Rule) -> bool:
        """Add the rule, or replace the one with its id in place; True when it replaced one."""
        replaced = rule.id in self._rules
        self._rules[rule.id] = rule  # a dict keeps a replaced key where it was
        self._index = None
        return replaced

    def remove(self, rule_id: str) -> bool:
        found = self._rules.pop(rule_id, None) is not None
        self._index = None
        return found

    def clear(self) -> None:
        self._rules = {}
        self._index = None

    def replace(self, rules: Iterable[Rule]) -> None:
        self._rules = {rule.id: rule for rule in rules}
        self._index = None

    def _watching(self, operation: str) -> list[Rule]:
        if self._index is None:
            self._index = _index(self._rules.values())
        found = self._index.get(operation)
        return self._index[""] if found is None else found

    def decide(self, operation: str, now: datetime) -> Decision | None:
        latency, fault, source, fired = 0.0, None, None, []
        for rule in self._watching(operation):
            if not rule.in_window(now):
                continue
            rule.matched += 1
            number = rule.matched
            if number <= rule.after or (rule.times is not None and rule.injected >= rule.times):
                continue
            # A certain rule needs no draw (and a draw can round up to 1.0).
            if (
                rule.probability < 1
                and draw(self.seed, rule.id, number, "fire") >= rule.probability
            ):
                continue
            rule.injected += 1
            fired.append(rule.id)
            if rule.latency is not None:
                latency += rule.latency.sample(draw(self.seed, rule.id, number, "latency"))
            if rule.fault is not None and fault is None:
                fault, source = rule.fault, rule.id
        if not fired:
            return None
        return Decision(min(latency, MAX_LATENCY), fault, source, tuple(fired))

    def to_list(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self._rules.values()]


def _index(rules: Iterable[Rule]) -> dict[str, list[Rule]]:
    """Operation -> the rules that watch it, in rule order; "" -> the rules that watch all."""
    ordered = list(rules)
    named = {name for rule in ordered for name in rule.operations}
    index: dict[str, list[Rule]] = {name: [] for name in named}
    index[""] = []
    for rule in ordered:
        if not rule.operations:
            for watching in index.values():
                watching.append(rule)
        else:
            for name in rule.operations:
                index[name].append(rule)
    return index
