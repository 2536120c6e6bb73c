"""What a fault rule injects: a latency drawn from a distribution, or a fault for the answer."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Final

from mockserver.errors import UNKNOWN_ERROR

DISTRIBUTIONS: Final = ("fixed", "uniform", "lognormal")
# dead_worker: the answer is the operation's own, but a start it queues never runs.
DEAD_WORKER: Final = "dead_worker"
KINDS: Final = ("app_error", "http_error", "drop", "reset", DEAD_WORKER)
# Longest injected latency, so a typo cannot park a request for hours.
MAX_LATENCY: Final = 600.0
_STANDARD_NORMAL: Final = NormalDist()


class FaultRuleError(ValueError):
    """A rule that cannot be used; `field` names the offending key."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field, self.message = field_name, message


def number(data: Mapping[str, Any], key: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FaultRuleError(key, "must be a number")
    if value < 0:
        raise FaultRuleError(key, "must be >= 0")
    return float(value)


def count(data: Mapping[str, Any], key: str) -> int | None:
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
        cap = min(number(data, "cap", MAX_LATENCY), MAX_LATENCY)
        if kind == "fixed":
            return cls(kind, seconds=min(number(data, "seconds"), cap), cap=cap)
        if kind == "uniform":
            low, high = number(data, "min"), number(data, "max")
            if high < low:
                raise FaultRuleError("latency.max", "must be >= min")
            return cls(kind, low=low, high=high, cap=cap)
        return cls(kind, median=number(data, "median"), sigma=number(data, "sigma"), cap=cap)

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
    """What replaces the answer: a bk-sops application error, an HTTP error, or no answer.

    `applied`: the operation runs first and only its answer is lost or replaced (a task
    created whose create_task answer never arrived); by default the operation does not run.
    """

    kind: str
    code: int = UNKNOWN_ERROR
    message: str = ""
    status: int = 503
    body: Any = None
    applied: bool = False

    @classmethod
    def from_dict(cls, data: Any) -> Fault:
        if not isinstance(data, Mapping):
            raise FaultRuleError("fault", "must be an object")
        kind, applied = data.get("kind"), data.get("applied", False)
        if kind not in KINDS:
            raise FaultRuleError("fault.kind", f"must be one of {KINDS}")
        if not isinstance(applied, bool):
            raise FaultRuleError("fault.applied", "must be true or false")
        if kind == "app_error":
            code, message = data.get("code", UNKNOWN_ERROR), data.get("message", "")
            if isinstance(code, bool) or not isinstance(code, int) or code == 0:
                raise FaultRuleError("fault.code", "must be a non-zero integer")
            if not isinstance(message, str):
                raise FaultRuleError("fault.message", "must be a string")
            return cls(kind, code=code, message=message, applied=applied)
        if kind == "http_error":
            status = data.get("status", 503)
            if isinstance(status, bool) or not isinstance(status, int):
                raise FaultRuleError("fault.status", "must be an integer")
            if not (500 <= status <= 599 or status == 429):
                raise FaultRuleError("fault.status", "must be 429 or 500-599")
            return cls(kind, status=status, body=data.get("body"), applied=applied)
        return cls(kind, applied=applied)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "app_error":
            out.update(code=self.code, message=self.message)
        elif self.kind == "http_error":
            out.update(status=self.status, body=self.body)
        return {**out, "applied": self.applied}
