"""Scenarios at run time: the book's defaults per component and template node, and per task node.

Book changes apply to tasks created from the current clock reading on (a task takes its
scenario snapshot when it is created) and are logged with that reading in
`MockState.scenario_changes`. Per-task changes go through `Engine.set_node_scenario`, which logs
them in the task's own operation log, so a rebuilt task repeats them at the same reading.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

import simulator.errors as sim
from mockserver.state import MockState
from simulator import Scenario, ScenarioBook
from simulator.scenarios import BUILT_IN, GENERIC_DEFAULT

from .base import ControlError, guarded, json_body, ok


def _scenario(value: Any) -> Scenario:
    if not isinstance(value, Mapping):
        raise ControlError(400, "invalid_scenario", "a scenario must be a JSON object")
    try:
        return Scenario.from_dict(value)
    except sim.InvalidScenario as exc:
        raise ControlError(400, "invalid_scenario", str(exc)) from None


def _now(mock: MockState) -> str:
    return mock.engine.sync().astimezone(mock.tz).isoformat()


def _log(mock: MockState, change: dict[str, Any]) -> dict[str, Any]:
    entry = {"at": _now(mock), **change}
    mock.scenario_changes.append(entry)
    return entry


def _book_view(mock: MockState) -> dict[str, Any]:
    return {
        **mock.engine.scenarios.to_dict(),
        "built_in": {code: s.to_dict() for code, s in sorted(BUILT_IN.items())},
        "generic_default": GENERIC_DEFAULT.to_dict(),
        "changes": list(mock.scenario_changes),
    }


async def book(request: Request) -> Response:
    """GET the whole book (and its change log); PUT replaces every default in it."""
    mock = guarded(request)
    if request.method in ("GET", "HEAD"):  # Starlette routes HEAD with GET
        with mock.lock:
            return ok(_book_view(mock))
    body = await json_body(request)
    if not isinstance(body, Mapping) or not set(body) <= {"components", "templates"}:
        raise ControlError(400, "invalid_book", 'send {"components": {...}, "templates": {...}}')
    components = _components(body.get("components", {}))
    with mock.lock:
        nodes = dict(_template_nodes(mock, body.get("templates", {})))
        _replace(mock.engine.scenarios, components, nodes)
        _log(mock, {"target": "book", "book": mock.engine.scenarios.to_dict()})
        return ok(_book_view(mock))


def _components(value: Any) -> dict[str, Scenario]:
    if not isinstance(value, Mapping):
        raise ControlError(400, "invalid_book", "components must map component codes to scenarios")
    return {str(code): _scenario(s) for code, s in value.items()}


def _template_nodes(mock: MockState, value: Any) -> Iterator[tuple[tuple[int, str], Scenario]]:
    if not isinstance(value, Mapping):
        raise ControlError(400, "invalid_book", "templates must map template ids to node maps")
    for template_id, nodes in value.items():
        tid = _template_id(str(template_id))
        if not isinstance(nodes, Mapping):
            raise ControlError(400, "invalid_book", f"templates[{tid}] must map node ids")
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


async def component(request: Request) -> Response:
    mock = guarded(request)
    code: str = request.path_params["code"]
    if request.method == "PUT":
        scenario = _scenario(await json_body(request))
        with mock.lock:
            mock.engine.scenarios.set_component(code, scenario)
            _log(mock, {"target": "component", "code": code, "scenario": scenario.to_dict()})
    elif request.method == "DELETE":
        with mock.lock:
            mock.engine.scenarios.set_component(code, None)
            _log(mock, {"target": "component", "code": code, "scenario": None})
    with mock.lock:
        components = mock.engine.scenarios.to_dict()["components"]
    if code in components:
        return ok({"code": code, "source": "book", "scenario": components[code]})
    source = "built_in" if code in BUILT_IN else "generic_default"
    return ok({"code": code, "source": source, "scenario": _fallback(code).to_dict()})


def _fallback(code: str) -> Scenario:
    return BUILT_IN.get(code, GENERIC_DEFAULT)


async def template_node(request: Request) -> Response:
    mock = guarded(request)
    template_id = _template_id(request.path_params["template_id"])
    node_id: str = request.path_params["node_id"]
    with mock.lock:
        code = _check_node(mock, template_id, node_id)
    if request.method in ("PUT", "DELETE"):
        scenario = _scenario(await json_body(request)) if request.method == "PUT" else None
        with mock.lock:
            mock.engine.scenarios.set_template_node(template_id, node_id, scenario)
            change = None if scenario is None else scenario.to_dict()
            target = {"template_id": template_id, "node_id": node_id}
            _log(mock, {"target": "template_node", **target, "scenario": change})
    with mock.lock:
        nodes = mock.engine.scenarios.to_dict()["templates"].get(str(template_id), {})
        resolved = mock.engine.scenarios.resolve(template_id, node_id, code).to_dict()
    source = "template_node" if node_id in nodes else "component"
    body = {"template_id": template_id, "node_id": node_id, "code": code}
    return ok({**body, "source": source, "scenario": resolved})


def _template_id(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ControlError(400, "invalid_template_id", "a template id is a non-negative integer")
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


async def task_scenarios(request: Request) -> Response:
    """Every per-node override of one task, with the log of changes from its record."""
    mock = guarded(request)
    task_id: int = request.path_params["task_id"]
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
    return ok({"task_id": task_id, "overrides": overrides, "changes": changes})


async def task_node(request: Request) -> Response:
    """PUT a scenario on one node of one task (its next runs), or DELETE it."""
    mock = guarded(request)
    task_id: int = request.path_params["task_id"]
    node_id: str = request.path_params["node_id"]
    scenario = _scenario(await json_body(request)) if request.method == "PUT" else None
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
    return ok({**body, "scenario": None if scenario is None else scenario.to_dict()})
