"""The fault profile of one app: its ordered rules, and the seeded decision for each request."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .rules import Rule
from .shapes import MAX_LATENCY, Fault


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
        self.rules: list[Rule] = list(rules)
        # How many ids `next_id` handed out: kept in snapshots so restored ids continue.
        self.made = made

    @property
    def active(self) -> bool:
        return bool(self.rules)

    def next_id(self) -> str:
        taken = {r.id for r in self.rules}
        while True:
            self.made += 1
            candidate = f"rule-{self.made}"
            if candidate not in taken:
                return candidate

    def put(self, rule: Rule) -> bool:
        """Add the rule, or replace the one with its id in place; True when it replaced one."""
        for i, existing in enumerate(self.rules):
            if existing.id == rule.id:
                self.rules[i] = rule
                return True
        self.rules.append(rule)
        return False

    def remove(self, rule_id: str) -> bool:
        kept = [r for r in self.rules if r.id != rule_id]
        found = len(kept) != len(self.rules)
        self.rules = kept
        return found

    def clear(self) -> None:
        self.rules = []

    def decide(self, operation: str, now: datetime) -> Decision | None:
        latency, fault, source, fired = 0.0, None, None, []
        for rule in self.rules:
            if not rule.watches(operation, now):
                continue
            rule.matched += 1
            number = rule.matched
            if number <= rule.after or (rule.times is not None and rule.injected >= rule.times):
                continue
            if draw(self.seed, rule.id, number, "fire") >= rule.probability:
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
        return [r.to_dict() for r in self.rules]
