"""The control API under /__mock__/ (DESIGN.md section 6). Not part of bk-sops.

Routes live here; each group of endpoints has its module. The API describes itself at
/__mock__/openapi.json and stays out of the bk-sops document at /openapi.json.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from . import (
    basics,
    cache_api,
    document,
    fault_api,
    journal_api,
    scenario_api,
    start_api,
    state_api,
    webhook_api,
)
from .base import ControlError, control_error
from .basics import clock_view

__all__ = ["ControlError", "clock_view", "control_error", "control_routes"]

_READ_WRITE = ["GET", "PUT", "DELETE"]


def control_routes() -> list[BaseRoute]:
    prefix = "/__mock__"
    # include_in_schema=False keeps these out of anything that introspects the bk-sops routes.
    table: list[tuple[str, object, list[str]]] = [
        ("/health", basics.health, ["GET"]),
        ("/reset", basics.reset, ["POST"]),
        ("/clock", basics.clock, ["GET", "POST"]),
        ("/scenarios", scenario_api.book, ["GET", "PUT"]),
        ("/scenarios/components/{code}", scenario_api.component, _READ_WRITE),
        (
            "/scenarios/templates/{template_id}/nodes/{node_id}",
            scenario_api.template_node,
            _READ_WRITE,
        ),
        ("/tasks/{task_id:int}/scenarios", scenario_api.task_scenarios, ["GET"]),
        (
            "/tasks/{task_id:int}/nodes/{node_id}/scenario",
            scenario_api.task_node,
            ["PUT", "DELETE"],
        ),
        ("/faults", fault_api.profile, ["GET", "POST", "PUT", "DELETE"]),
        ("/faults/{rule_id}", fault_api.one_rule, _READ_WRITE),
        ("/journal", journal_api.journal, ["GET", "DELETE"]),
        ("/journal/count", journal_api.count, ["GET"]),
        ("/state", state_api.state, ["GET", "PUT"]),
        ("/webhooks", webhook_api.webhooks, ["GET"]),
        ("/starts", start_api.starts, ["GET", "PUT"]),
        ("/openapi.json", document.openapi, ["GET"]),
    ]
    return [
        *(
            Route(prefix + path, endpoint, methods=methods, include_in_schema=False)  # type: ignore[arg-type]
            for path, endpoint, methods in table
        ),
        *cache_api.routes(),
    ]
