"""Fault profiles: seeded latency, injected errors and dropped connections, rule by rule.

A rule names the operations it watches (none: all of them), how likely it fires, and an
optional count (`after`, `times`) and clock window. Every draw is a hash of (seed, rule id,
the rule's own request number, purpose), never a draw from a shared generator: a rule's n-th
request fires or not whatever else the mock served meanwhile, and a run with the same seed and
the same requests repeats fault for fault (DESIGN.md section 4).
"""

from .profile import MAX_RULES, Decision, FaultProfile, draw
from .rules import RULE_ID, Rule, rule_from_dict
from .shapes import (
    DISTRIBUTIONS,
    KINDS,
    MAX_LATENCY,
    Fault,
    FaultRuleError,
    Latency,
    default_message,
)

__all__ = [
    "DISTRIBUTIONS",
    "KINDS",
    "MAX_LATENCY",
    "MAX_RULES",
    "RULE_ID",
    "Decision",
    "Fault",
    "FaultProfile",
    "FaultRuleError",
    "Latency",
    "Rule",
    "default_message",
    "draw",
    "rule_from_dict",
]
