"""Fault rules at run time: list, add, replace, read and remove (see mockserver.faults).

Bodies arrive checked against schemas/control/faults/; at most MAX_RULES rules are held.
"""

from __future__ import annotations

from typing import Any

from mockserver.faults import MAX_RULES, FaultRuleError, Rule, rule_from_dict
from mockserver.state import MockState

from .base import ControlError
from .contract import Answer, Ask

# Counters are the profile's to keep; a client sending them back must not rewind a rule.
_COUNTERS = ("matched", "injected", "set_at")


def _rule(mock: MockState, data: dict[str, Any], rule_id: str | None, error: str) -> Rule:
    fresh = {k: v for k, v in data.items() if k not in _COUNTERS}
    if rule_id is not None:
        if fresh.get("id", rule_id) != rule_id:
            raise ControlError(400, error, "id: differs from the id in the path", "id")
        fresh["id"] = rule_id
    made = mock.faults.made
    default_id = "" if "id" in fresh else mock.faults.next_id()
    try:
        now = mock.engine.sync().astimezone(mock.tz)
        return rule_from_dict(fresh, default_id, now, checked=True)
    except FaultRuleError as exc:
        mock.faults.made = made  # a refused rule takes no id
        raise ControlError(400, error, str(exc), exc.field) from None


def _view(mock: MockState) -> dict[str, Any]:
    return {"seed": mock.faults.seed, "rules": mock.faults.to_list()}


def _full() -> ControlError:
    return ControlError(409, "too_many_rules", f"the mock holds at most {MAX_RULES} fault rules")


def list_rules(ask: Ask) -> Answer:
    with ask.mock.lock:
        return 200, _view(ask.mock)


def clear_rules(ask: Ask) -> Answer:
    with ask.mock.lock:
        ask.mock.faults.clear()
        return 200, _view(ask.mock)


def add_rule(ask: Ask) -> Answer:
    mock = ask.mock
    with mock.lock:
        if len(mock.faults) >= MAX_RULES:
            raise _full()
        rule = _rule(mock, ask.body, None, "invalid_rule")
        if mock.faults.get(rule.id) is not None:
            raise ControlError(409, "rule_exists", f"rule {rule.id} exists; PUT replaces it")
        mock.faults.put(rule)
        return 201, rule.to_dict()


def replace_rules(ask: Ask) -> Answer:
    """Replace every rule at once; a refused list changes nothing."""
    mock = ask.mock
    with mock.lock:
        made = mock.faults.made
        try:
            built = _all_rules(mock, ask.body["rules"])
        except ControlError:
            mock.faults.made = made
            raise
        mock.faults.replace(built)
        return 200, _view(mock)


def _all_rules(mock: MockState, rules: list[dict[str, Any]]) -> list[Rule]:
    built: dict[str, Rule] = {}
    for index, data in enumerate(rules):
        try:
            rule = _rule(mock, data, None, "invalid_rules")
        except ControlError as exc:
            exc.field = f"rules[{index}]" + (f".{exc.field}" if exc.field else "")
            exc.message = f"rules[{index}].{exc.message}"
            raise
        if rule.id in built:
            where = f"rules[{index}].id"
            raise ControlError(400, "invalid_rules", f"{where}: {rule.id} appears twice", where)
        built[rule.id] = rule
    return list(built.values())


def read_rule(ask: Ask) -> Answer:
    with ask.mock.lock:
        return 200, _found(ask).to_dict()


def put_rule(ask: Ask) -> Answer:
    mock, rule_id = ask.mock, str(ask.path("rule_id"))
    with mock.lock:
        present = mock.faults.get(rule_id) is not None
        if not present and len(mock.faults) >= MAX_RULES:
            raise _full()
        rule = _rule(mock, ask.body, rule_id, "invalid_rule")
        mock.faults.put(rule)
        return (200 if present else 201), rule.to_dict()


def remove_rule(ask: Ask) -> Answer:
    with ask.mock.lock:
        found = _found(ask)
        ask.mock.faults.remove(found.id)
        return 200, found.to_dict()


def _found(ask: Ask) -> Rule:
    rule_id = str(ask.path("rule_id"))
    found = ask.mock.faults.get(rule_id)
    if found is None:
        raise ControlError(404, "unknown_rule", f"no fault rule {rule_id}")
    return found
