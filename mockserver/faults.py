"""Fault profiles: seeded latency, injected errors and dropped connections, rule by rule.

A rule names the operations it watches (none: all of them), how likely it fires, and an
optional count (`after`, `times`) and clock window. Every draw is a hash of (seed, rule id,
the rule's own request number, purpose), never a draw from a shared generator: a rule's n-th
request fires or not whatever else the mock served meanwhile, and a run with the same seed and
the same requests repeats fault for fault (DESIGN.md section 4).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import NormalDist
from typing import Any, Final

from schemas.operations import OPERATIONS

from .errors import UNKNOWN_ERROR

DISTRIBUTIONS: Final = ("fixed", "uniform", "lognormal")
KINDS: Final = ("app_error", "http_error", "drop", "reset")
RULE_ID: Final = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# Longest injected latency, so a typo cannot park a request for hours.
MAX_LATENCY: Final = 600.0
_STANDARD_NORMAL: Final = NormalDist()


class FaultRuleError(ValueError):
    """A rule that cannot be used; `field` names the offending key."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field, self.message = field_name, message


def draw(seed: int, rule_id: str, number: int, purpose: str) -> float:
    """A uniform value in (0, 1) derived from its coordinates alone."""
    digest = hashlib.sha256(f"fault:{seed}:{rule_id}:{number}:{purpose}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / 2.0**64


def _number(data: Mapping[str, Any], key: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FaultRuleError(key, "must be a number")
    if value < 0:
        raise FaultRuleError(key, "must be >= 0")
    return float(value)


def _count(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FaultRuleError(key, "must be an integer >= 0")
    return value


@dataclass(frozen=True)
class Latency:
    """fixed `seconds`; uniform between `min` and `max`; lognormal by `median` and `sigma`."""

    distribution: str
    seconds: float = 0.0
    low: float = 0.0
    high: float = 0.0
    median: float = 0.0
    sigma: float = 0.0
    cap: float = MAX_LATENCY

    @classmethod
    def from_dict(cls, data: Any) -> Latency:
        if not isinstance(data, Mapping):
            raise FaultRuleError("latency", "must be an object")
        kind = data.get("distribution", "fixed")
        if kind not in DISTRIBUTIONS:
            raise FaultRuleError("latency.distribution", f"must be one of {DISTRIBUTIONS}")
        cap = min(_number(data, "cap", MAX_LATENCY), MAX_LATENCY)
        if kind == "fixed":
            return cls(kind, seconds=min(_number(data, "seconds"), cap), cap=cap)
        if kind == "uniform":
            low, high = _number(data, "min"), _number(data, "max")
            if high < low:
                raise FaultRuleError("latency.max", "must be >= min")
            return cls(kind, low=low, high=high, cap=cap)
        return cls(kind, median=_number(data, "median"), sigma=_number(data, "sigma"), cap=cap)

    def to_dict(self) -> dict[str, Any]:
        if self.distribution == "fixed":
            out: dict[str, Any] = {"distribution": "fixed", "seconds": self.seconds}
        elif self.distribution == "uniform":
            out = {"distribution": "uniform", "min": self.low, "max": self.high}
        else:
            out = {"distribution": "lognormal", "median": self.median, "sigma": self.sigma}
        return {**out, "cap": self.cap}

    def sample(self, u: float) -> float:
        if self.distribution == "fixed":
            value = self.seconds
        elif self.distribution == "uniform":
            value = self.low + u * (self.high - self.low)
        else:
            value = self.median * math.exp(self.sigma * _STANDARD_NORMAL.inv_cdf(u))
        return round(min(value, self.cap), 6)


@dataclass(frozen=True)
class Fault:
    """What replaces the answer: a bk-sops application error, an HTTP error, or no answer."""

    kind: str
    code: int = UNKNOWN_ERROR
    message: str = ""
    status: int = 503
    body: Any = None

    @classmethod
    def from_dict(cls, data: Any) -> Fault:
        if not isinstance(data, Mapping):
            raise FaultRuleError("fault", "must be an object")
        kind = data.get("kind")
        if kind not in KINDS:
            raise FaultRuleError("fault.kind", f"must be one of {KINDS}")
        if kind == "app_error":
            code, message = data.get("code", UNKNOWN_ERROR), data.get("message", "")
            if isinstance(code, bool) or not isinstance(code, int) or code == 0:
                raise FaultRuleError("fault.code", "must be a non-zero integer")
            if not isinstance(message, str):
                raise FaultRuleError("fault.message", "must be a string")
            return cls(kind, code=code, message=message)
        if kind == "http_error":
            status = data.get("status", 503)
            if isinstance(status, bool) or not isinstance(status, int):
                raise FaultRuleError("fault.status", "must be an integer")
            if not (500 <= status <= 599 or status == 429):
                raise FaultRuleError("fault.status", "must be 429 or 500-599")
            return cls(kind, status=status, body=data.get("body"))
        return cls(kind)

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "app_error":
            return {"kind": self.kind, "code": self.code, "message": self.message}
        if self.kind == "http_error":
            return {"kind": self.kind, "status": self.status, "body": self.body}
        return {"kind": self.kind}


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
    probability = _number(data, "probability", 1.0)
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
        after=_count(data, "after") or 0,
        times=_count(data, "times"),
        start=start,
        until=until,
        latency=latency,
        fault=fault,
        set_at=_moment("set_at", set_at) if isinstance(set_at, str) else now,
        matched=_count(data, "matched") or 0,
        injected=_count(data, "injected") or 0,
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
        return now, now + timedelta(seconds=_number(value, "seconds"))
    start = None if value.get("from") is None else _moment("window.from", value["from"])
    until = None if value.get("until") is None else _moment("window.until", value["until"])
    if start is not None and until is not None and until <= start:
        raise FaultRuleError("window.until", "must be later than window.from")
    return start, until


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
