"""Fault rules: which requests a rule watches, how often it fires, and validating one from JSON."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from schemas.operations import OPERATIONS

from .shapes import Fault, FaultRuleError, Latency, count, number

RULE_ID: Final = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass
class Rule:
    """One fault rule and its counters (`matched`: requests it saw in its window)."""

    id: str
    operations: frozenset[str] = frozenset()
    probability: float = 1.0
    after: int = 0
    times: int | None = None
    start: datetime | None = None
    until: datetime | None = None
    latency: Latency | None = None
    fault: Fault | None = None
    set_at: datetime | None = None
    matched: int = 0
    injected: int = 0

    def watches(self, operation: str, now: datetime) -> bool:
        if self.operations and operation not in self.operations:
            return False
        if self.start is not None and now < self.start:
            return False
        return self.until is None or now < self.until

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operations": sorted(self.operations),
            "probability": self.probability,
            "after": self.after,
            "times": self.times,
            "window": {
                "from": None if self.start is None else self.start.isoformat(),
                "until": None if self.until is None else self.until.isoformat(),
            },
            "latency": None if self.latency is None else self.latency.to_dict(),
            "fault": None if self.fault is None else self.fault.to_dict(),
            "set_at": None if self.set_at is None else self.set_at.isoformat(),
            "matched": self.matched,
            "injected": self.injected,
        }


RULE_KEYS: Final = frozenset(
    {"id", "operations", "probability", "after", "times", "window", "latency", "fault"}
    | {"set_at", "matched", "injected"}
)


def rule_from_dict(data: Any, default_id: str, now: datetime) -> Rule:
    """Validate a rule as the control API receives it (or as a snapshot stored it)."""
    if not isinstance(data, Mapping):
        raise FaultRuleError("rule", "must be an object")
    unknown = sorted(set(data) - RULE_KEYS)
    if unknown:
        raise FaultRuleError(unknown[0], "is not a rule field")
    rule_id = data.get("id", default_id)
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
        raise FaultRuleError("id", "must match [A-Za-z0-9_.:-]{1,64}")
    probability = number(data, "probability", 1.0)
    if probability > 1:
        raise FaultRuleError("probability", "must be between 0 and 1")
    latency = None if data.get("latency") is None else Latency.from_dict(data["latency"])
    fault = None if data.get("fault") is None else Fault.from_dict(data["fault"])
    if latency is None and fault is None:
        raise FaultRuleError("rule", "needs a latency, a fault or both")
    start, until = _window(data.get("window"), now)
    set_at = data.get("set_at")
    return Rule(
        id=rule_id,
        operations=_operations(data.get("operations")),
        probability=probability,
        after=count(data, "after") or 0,
        times=count(data, "times"),
        start=start,
        until=until,
        latency=latency,
        fault=fault,
        set_at=_moment("set_at", set_at) if isinstance(set_at, str) else now,
        matched=count(data, "matched") or 0,
        injected=count(data, "injected") or 0,
    )


def _operations(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    known = {op.name for op in OPERATIONS}
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FaultRuleError("operations", "must be a list of operation names")
    for name in value:
        if name not in known:
            raise FaultRuleError("operations", f"unknown operation {name!r}")
    return frozenset(value)


def _moment(key: str, value: Any) -> datetime:
    if not isinstance(value, str):
        raise FaultRuleError(key, "must be an ISO 8601 time with an offset")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FaultRuleError(key, f"not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise FaultRuleError(key, "needs a UTC offset, e.g. +08:00")
    return moment


def _window(value: Any, now: datetime) -> tuple[datetime | None, datetime | None]:
    """{"from", "until"} (ISO times, each optional) or {"seconds": s}: from now for s seconds."""
    if value is None:
        return None, None
    if not isinstance(value, Mapping) or not set(value) <= {"from", "until", "seconds"}:
        raise FaultRuleError("window", 'must be {"from", "until"} or {"seconds"}')
    if "seconds" in value:
        if set(value) != {"seconds"}:
            raise FaultRuleError("window", "seconds cannot be mixed with from/until")
        return now, now + timedelta(seconds=number(value, "seconds"))
    start = None if value.get("from") is None else _moment("window.from", value["from"])
    until = None if value.get("until") is None else _moment("window.until", value["until"])
    if start is not None and until is not None and until <= start:
        raise FaultRuleError("window.until", "must be later than window.from")
    return start, until
