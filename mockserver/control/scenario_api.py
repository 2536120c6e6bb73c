"""Scenarios at run time: the book's defaults per component and template node, and per task node.

Book changes apply to tasks created from the current clock reading on (a task takes its
scenario snapshot when it is created) and are logged with that reading in
`MockState.scenario_changes` (the newest ones: the log is bounded). Per-task changes go through
`Engine.set_node_scenario`, which logs them in the task's own operation log, so a rebuilt task
repeats them at the same reading. Bodies arrive checked against schemas/control/scenarios/.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Final

import simulator.errors as sim
from mockserver.state import MockState
from schemas.control_store import control_schema
from simulator import Scenario, ScenarioBook
from simulator.scenarios import BUILT_IN, GENERIC_DEFAULT

from .base import ControlError
from .contract import Answer, Ask

# Limits stated by the schemas, so the document and the check cannot disagree.
MAX_BOOK_ENTRIES: Final[int] = control_schema("scenarios/book_input")["properties"]["components"][
    "maxProperties"
]
MAX_CHANGES: Final[int] = control_schema("scenarios/book")["properties"]["changes"]["maxItems"]


def _scenario(value: Mapping[str, Any]) -> Scenario:
    try:
        return Scenario.from_dict(value)
    except sim.InvalidScenario as exc:  # the schema is stricter; kept as the engine's own guard
        raise ControlError(400, "invalid_scenario", str(exc)) from None


def _now(mock: MockState) -> str:
    return mock.engine.sync().astimezone(mock.tz).isoformat()


def _log(mock: MockState, change: dict[str, Any]) -> dict[str, Any]:
    entry = {"at": _now(mock), **change}
    mock.scenario_changes.append(entry)
    del mock.scenario_changes[:-MAX_CHANGES]
    return entry


def _book_view(mock: MockState) -> dict[str, Any]:
    return {
        **mock.engine.scenarios.to_dict(),
        "built_in": {code: s.to_dict() for code, s in sorted(BUILT_IN.items())},
        "generic_default": GENERIC_DEFAULT.to_dict(),
        "changes": list(mock.scenario_changes),
    }


def _entries(book_: ScenarioBook) -> int:
    shape = book_.to_dict()
    return len(shape["components"]) + sum(len(n) for n in shape["templates"].values())


def read_book(ask: Ask) -> Answer:
    with ask.mock.lock:
        return 200, _book_view(ask.mock)


def replace_book(ask: Ask) -> Answer:
    """Replace every default of the book; a refused book changes nothing."""
    mock, body = ask.mock, ask.body
    components = {code: _scenario(s) for code, s in body.get("components", {}).items()}
    with mock.lock:
        nodes = dict(_template_nodes(mock, body.get("templates", {})))
        if len(components) + len(nodes) > MAX_BOOK_ENTRIES:
            raise ControlError(
                400, "invalid_book", f"a book holds at most {MAX_BOOK_ENTRIES} entries in all"
            )
        _replace(mock.engine.scenarios, components, nodes)
        _log(mock, {"target": "book", "book": mock.engine.scenarios.to_dict()})
        return 200, _book_view(mock)


def _template_nodes(
    mock: MockState, value: Mapping[str, Any]
) -> Iterator[tuple[tuple[int, str], Scenario]]:
    for template_id, nodes in value.items():
        tid = _template_id(str(template_id))
        for node_id, scenario in nodes.items():
            _check_node(mock, tid, str(node_id))
            yield (tid, str(node_id)), _scenario(scenario)


def _replace(
    book_: ScenarioBook, components: dict[str, Scenario], nodes: dict[tuple[int, str], Scenario]
) -> None:
    # Mutate the engine's own book (each call bumps its version, which keys the engine's
    # snapshot cache) rather than swapping in a new object that would start at version 0.
    old = book_.to_dict()
    for code in old["components"]:
        book_.set_component(code, None)
    for template_id, old_nodes in old["templates"].items():
        for node_id in old_nodes:
            book_.set_template_node(int(template_id), node_id, None)
    for code, scenario in components.items():
        book_.set_component(code, scenario)
    for (template_id, node_id), scenario in nodes.items():
        book_.set_template_node(template_id, node_id, scenario)


def _room_for(mock: MockState, present: bool) -> None:
    """A new book entry must fit under the limit; replacing one always fits."""
    if not present and _entries(mock.engine.scenarios) >= MAX_BOOK_ENTRIES:
        raise ControlError(
            409, "too_many_scenarios", f"the book holds its limit of {MAX_BOOK_ENTRIES} entries"
        )


def component(ask: Ask) -> Answer:
    mock, code = ask.mock, str(ask.path("code"))
    method = ask.request.method
    with mock.lock:
        if method == "PUT":
            scenario = _scenario(ask.body)
            _room_for(mock, code in mock.engine.scenarios.to_dict()["components"])
            mock.engine.scenarios.set_component(code, scenario)
            _log(mock, {"target": "component", "code": code, "scenario": scenario.to_dict()})
        elif method == "DELETE":
            mock.engine.scenarios.set_component(code, None)
            _log(mock, {"target": "component", "code": code, "scenario": None})
        components = mock.engine.scenarios.to_dict()["components"]
    if code in components:
        return 200, {"code": code, "source": "book", "scenario": components[code]}
    source = "built_in" if code in BUILT_IN else "generic_default"
    return 200, {"code": code, "source": source, "scenario": _fallback(code).to_dict()}


def _fallback(code: str) -> Scenario:
    return BUILT_IN.get(code, GENERIC_DEFAULT)


def template_node(ask: Ask) -> Answer:
    mock, method = ask.mock, ask.request.method
    template_id = _template_id(ask.path("template_id"))
    node_id: str = ask.path("node_id")
    with mock.lock:
        code = _check_node(mock, template_id, node_id)
        if method in ("PUT", "DELETE"):
            scenario = _scenario(ask.body) if method == "PUT" else None
            if scenario is not None:
                held = mock.engine.scenarios.to_dict()["templates"].get(str(template_id), {})
                _room_for(mock, node_id in held)
            mock.engine.scenarios.set_template_node(template_id, node_id, scenario)
            change = None if scenario is None else scenario.to_dict()
            target = {"template_id": template_id, "node_id": node_id}
            _log(mock, {"target": "template_node", **target, "scenario": change})
        nodes = mock.engine.scenarios.to_dict()["templates"].get(str(template_id), {})
        resolved = mock.engine.scenarios.resolve(template_id, node_id, code).to_dict()
    source = "template_node" if node_id in nodes else "component"
    body = {"template_id": template_id, "node_id": node_id, "code": code}
    return 200, {**body, "source": source, "scenario": resolved}


def _template_id(text: str) -> int:
    return _path_id(text, "template_id")


def _task_id(text: str) -> int:
    return _path_id(text, "task_id")


def _path_id(text: str, name: str) -> int:
    # Parsed here, not by a route converter: a bad id gets the control API's own 400.
    if not (text.isascii() and text.isdigit() and len(text) <= 15):
        raise ControlError(400, f"invalid_{name}", f"{name} must be a non-negative integer")
    return int(text)


def _check_node(mock: MockState, template_id: int, node_id: str) -> str:
    """The component code of an activity of the template (nested ones included), or 404."""
    catalog = mock.catalog
    trees = [t.tree for t in [*catalog.templates, *catalog.common_templates] if t.id == template_id]
    if not trees:
        raise ControlError(404, "unknown_template", f"no template {template_id} in the fixture")
    for tree in trees:
        for found_id, node in _activities(tree):
            if found_id == node_id:
                if node.get("type") != "ServiceActivity":
                    raise ControlError(400, "not_an_activity", f"node {node_id} runs no component")
                return str(node.get("component", {}).get("code", ""))
    raise ControlError(404, "unknown_node", f"template {template_id} has no node {node_id}")


def _activities(tree: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for node_id, node in tree.get("activities", {}).items():
        yield node_id, node
        if node.get("type") == "SubProcess" and isinstance(node.get("pipeline"), Mapping):
            yield from _activities(node["pipeline"])


def task_scenarios(ask: Ask) -> Answer:
    """Every per-node override of one task, with the log of changes from its record."""
    mock, task_id = ask.mock, _task_id(ask.path("task_id"))
    with mock.lock:
        if mock.engine.find_task(task_id) is None:
            raise ControlError(404, "unknown_task", f"no task {task_id}")
        record = mock.engine.record(task_id)
    overrides: dict[str, Any] = {}
    changes = []
    for op in record["ops"]:
        if op["op"] == "scenario":
            node_id, scenario = op["args"]["node_id"], op["args"]["scenario"]
            at = datetime.fromisoformat(op["at"]).astimezone(mock.tz).isoformat()
            changes.append({"at": at, "node_id": node_id, "scenario": scenario})
            if scenario is None:
                overrides.pop(node_id, None)
            else:
                overrides[node_id] = scenario
    return 200, {"task_id": task_id, "overrides": overrides, "changes": changes}


def task_node(ask: Ask) -> Answer:
    """PUT a scenario on one node of one task (its next runs), or DELETE it."""
    mock, task_id, node_id = ask.mock, _task_id(ask.path("task_id")), str(ask.path("node_id"))
    scenario = _scenario(ask.body) if ask.request.method == "PUT" else None
    with mock.lock:
        try:
            mock.engine.set_node_scenario(task_id, node_id, scenario)
        except sim.TaskNotFound:
            raise ControlError(404, "unknown_task", f"no task {task_id}") from None
        except sim.NodeNotFound:
            raise ControlError(
                404, "unknown_node", f"task {task_id} has no node {node_id}"
            ) from None
        except sim.NodeOperationError as exc:
            raise ControlError(400, "not_an_activity", str(exc)) from None
        at = _now(mock)
    body = {"task_id": task_id, "node_id": node_id, "at": at}
    return 200, {**body, "scenario": None if scenario is None else scenario.to_dict()}
