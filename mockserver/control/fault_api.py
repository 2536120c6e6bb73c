"""Fault rules at run time: list, add, replace, read and remove (see mockserver.faults)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.faults import FaultRuleError, Rule, rule_from_dict
from mockserver.state import MockState

from .base import ControlError, guarded, json_body, json_object, ok

# Counters are the profile's to keep; a client sending them back must not rewind a rule.
_COUNTERS = ("matched", "injected", "set_at")


def _rule(mock: MockState, data: Any, rule_id: str | None = None) -> Rule:
    if not isinstance(data, dict):
        raise ControlError(400, "invalid_rule", "a fault rule must be a JSON object")
    fresh = {k: v for k, v in data.items() if k not in _COUNTERS}
    if rule_id is not None:
        if fresh.get("id", rule_id) != rule_id:
            raise ControlError(400, "invalid_rule", "id: differs from the id in the path")
        fresh["id"] = rule_id
    made = mock.faults.made
    default_id = "" if "id" in fresh else mock.faults.next_id()
    try:
        return rule_from_dict(fresh, default_id, mock.engine.sync().astimezone(mock.tz))
    except FaultRuleError as exc:
        mock.faults.made = made  # a refused rule takes no id number
        raise ControlError(400, "invalid_rule", str(exc)) from None


def _view(mock: MockState) -> dict[str, Any]:
    return {"seed": mock.faults.seed, "rules": mock.faults.to_list()}


async def profile(request: Request) -> Response:
    """GET the rules; POST adds one (201); PUT replaces all `{"rules": [...]}`; DELETE clears."""
    mock = guarded(request)
    if request.method in ("GET", "HEAD"):  # Starlette routes HEAD with GET
        with mock.lock:
            return ok(_view(mock))
    if request.method == "DELETE":
        with mock.lock:
            mock.faults.clear()
            return ok(_view(mock))
    if request.method == "POST":
        data = await json_body(request)
        with mock.lock:
            rule = _rule(mock, data)
            if any(r.id == rule.id for r in mock.faults.rules):
                raise ControlError(409, "rule_exists", f"rule {rule.id} exists; PUT replaces it")
            mock.faults.put(rule)
            return ok(rule.to_dict(), status=201)
    body = await json_object(request)
    rules = body.get("rules")
    if set(body) != {"rules"} or not isinstance(rules, list):
        raise ControlError(400, "invalid_rules", 'send {"rules": [rule, ...]}')
    with mock.lock:
        built: list[Rule] = []
        made = mock.faults.made
        for data in rules:
            try:
                rule = _rule(mock, data)
            except ControlError:
                mock.faults.made = made
                raise
            if any(r.id == rule.id for r in built):
                mock.faults.made = made
                raise ControlError(400, "invalid_rules", f"rule id {rule.id} appears twice")
            built.append(rule)
        mock.faults.clear()
        for rule in built:
            mock.faults.put(rule)
        return ok(_view(mock))


async def one_rule(request: Request) -> Response:
    mock = guarded(request)
    rule_id: str = request.path_params["rule_id"]
    if request.method == "PUT":
        data = await json_body(request)
        with mock.lock:
            rule = _rule(mock, data, rule_id)
            replaced = mock.faults.put(rule)
            return ok(rule.to_dict(), status=200 if replaced else 201)
    with mock.lock:
        found = next((r for r in mock.faults.rules if r.id == rule_id), None)
        if found is None:
            raise ControlError(404, "unknown_rule", f"no fault rule {rule_id}")
        if request.method == "DELETE":
            mock.faults.remove(rule_id)
        return ok(found.to_dict())
