"""What a fault rule injects: a latency drawn from a distribution, or a fault for the answer.

Both are built from dicts already checked against schemas/control/faults/ (rules.py does it):
types, ranges and the fields each kind needs are the schema's business, not this module's.
"""

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
    """A rule that cannot be used; `field` names the offending key (None: the whole rule)."""

    def __init__(self, field_name: str | None, message: str) -> None:
        super().__init__(message if field_name is None else f"{field_name}: {message}")
        self.field, self.message = field_name, message


def default_message(rule_id: str) -> str:
    """The text an app_error without a message sends (and the rule listing shows)."""
    return f"sops-mock injected fault (rule {rule_id})"


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
    def from_dict(cls, data: Mapping[str, Any]) -> Latency:
        kind = data.get("distribution", "fixed")
        cap = float(data.get("cap", MAX_LATENCY))
        if kind == "fixed":
            return cls(kind, seconds=min(float(data["seconds"]), cap), cap=cap)
        if kind == "uniform":
            low, high = float(data["min"]), float(data["max"])
            if high < low:
                raise FaultRuleError("latency.max", "must be >= min")
            return cls(kind, low=low, high=high, cap=cap)
        return cls(kind, median=float(data["median"]), sigma=float(data["sigma"]), cap=cap)

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
            # exp() held below its overflow (median <= 600): a wide sigma saturates at the cap.
            spread = self.sigma * _STANDARD_NORMAL.inv_cdf(u)
            value = self.median * math.exp(min(spread, 700.0))
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
    def from_dict(cls, data: Mapping[str, Any], rule_id: str) -> Fault:
        kind, applied = data["kind"], bool(data.get("applied", False))
        if kind == "app_error":
            message = data.get("message") or default_message(rule_id)
            return cls(kind, code=data.get("code", UNKNOWN_ERROR), message=message, applied=applied)
        if kind == "http_error":
            return cls(kind, status=data.get("status", 503), body=data.get("body"), applied=applied)
        return cls(kind, applied=applied)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "app_error":
            out.update(code=self.code, message=self.message)
        elif self.kind == "http_error":
            out.update(status=self.status, body=self.body)
        return {**out, "applied": self.applied}
