"""Fault rules: which requests a rule watches, how often it fires, and building one from JSON.

A rule's shape (fields, types, ranges, the fields each latency or fault kind needs) is the
control schema `faults/rule_input`; what a schema cannot say (a window that ends before it
starts, a uniform latency whose max is below its min) is checked here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from schemas.control_store import check, control_schema

from .shapes import Fault, FaultRuleError, Latency

# The mock's clock stays below this (control.basics enforces it): far from datetime's end (year
# 9999), so what runs after it (durations, windows) has room, and a day before the year 9000, so
# every time the API shows, in any time zone, fits its schema (years 1000 to 8999).
CLOCK_LIMIT: Final = datetime(8999, 12, 31, tzinfo=UTC)
RULE_ID: Final = re.compile(control_schema("faults/rule_input")["properties"]["id"]["pattern"])


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

    def in_window(self, now: datetime) -> bool:
        if self.start is not None and now < self.start:
            return False
        return self.until is None or now < self.until

    def watches(self, operation: str, now: datetime) -> bool:
        if self.operations and operation not in self.operations:
            return False
        return self.in_window(now)

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


def rule_from_dict(data: Any, default_id: str, now: datetime, *, checked: bool = False) -> Rule:
    """Build a rule as the control API receives it (or as a snapshot stored it).

    `checked`: the caller has already validated `data` against `faults/rule_input`.
    """
    if not checked:
        refusal = check("faults/rule_input", data)
        if refusal is not None:
            raise FaultRuleError(refusal.field, refusal.message.removeprefix(f"{refusal.field}: "))
    rule_id = data.get("id", default_id)
    if not RULE_ID.match(rule_id):
        raise FaultRuleError("id", f"must match {RULE_ID.pattern}")
    latency = None if data.get("latency") is None else Latency.from_dict(data["latency"])
    fault = None if data.get("fault") is None else Fault.from_dict(data["fault"], rule_id)
    start, until = _window(data.get("window"), now)
    set_at = data.get("set_at")
    return Rule(
        id=rule_id,
        operations=frozenset(data.get("operations") or ()),
        probability=float(data.get("probability", 1.0)),
        after=data.get("after", 0),
        times=data.get("times"),
        start=start,
        until=until,
        latency=latency,
        fault=fault,
        set_at=now if set_at is None else _moment("set_at", set_at),
        matched=data.get("matched", 0),
        injected=data.get("injected", 0),
    )


def _moment(key: str, text: str) -> datetime:
    """A time the schema's pattern let through; the calendar may still refuse it (Feb 30)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise FaultRuleError(key, f"is not a date: {text!r}") from None


def _window(value: Any, now: datetime) -> tuple[datetime | None, datetime | None]:
    """{"from", "until"} (times, each optional) or {"seconds": s}: from now for s seconds."""
    if value is None:
        return None, None
    if "seconds" in value:
        # A window past the clock's end never closes: it ends there, as a time the API can show.
        return now, min(
            now + timedelta(seconds=value["seconds"]), CLOCK_LIMIT.astimezone(now.tzinfo)
        )
    start = None if value.get("from") is None else _moment("window.from", value["from"])
    until = None if value.get("until") is None else _moment("window.until", value["until"])
    if start is not None and until is not None and until <= start:
        raise FaultRuleError("window.until", "must be later than window.from")
    return start, until
