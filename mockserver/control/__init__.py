"""The control API under /__mock__/ (DESIGN.md section 6). Not part of bk-sops.

Each call is a row of schemas/control/routes.json (its body and answer schemas) and a handler
here; `contract.endpoint` checks one against the other. The API describes itself at
/__mock__/openapi.json (generated from the same table) and stays out of the bk-sops document.
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
from .contract import Handler, endpoint

__all__ = ["ControlError", "clock_view", "control_error", "control_routes"]

_TEMPLATE_NODE = "/scenarios/templates/{template_id}/nodes/{node_id}"
_TASK_NODE = "/tasks/{task_id}/nodes/{node_id}/scenario"
# Path (as routes.json writes it, under /__mock__) -> method -> handler.
HANDLERS: dict[str, dict[str, Handler]] = {
    "/health": {"GET": basics.health},
    "/reset": {"POST": basics.reset},
    "/clock": {"GET": basics.read_clock, "POST": basics.move_clock},
    "/scenarios": {"GET": scenario_api.read_book, "PUT": scenario_api.replace_book},
    "/scenarios/components/{code}": dict.fromkeys(("GET", "PUT", "DELETE"), scenario_api.component),
    _TEMPLATE_NODE: dict.fromkeys(("GET", "PUT", "DELETE"), scenario_api.template_node),
    "/tasks/{task_id}/scenarios": {"GET": scenario_api.task_scenarios},
    _TASK_NODE: dict.fromkeys(("PUT", "DELETE"), scenario_api.task_node),
    "/faults": {
        "GET": fault_api.list_rules,
        "POST": fault_api.add_rule,
        "PUT": fault_api.replace_rules,
        "DELETE": fault_api.clear_rules,
    },
    "/faults/{rule_id}": {
        "GET": fault_api.read_rule,
        "PUT": fault_api.put_rule,
        "DELETE": fault_api.remove_rule,
    },
    "/journal": {"GET": journal_api.read_journal, "DELETE": journal_api.clear_journal},
    "/journal/count": {"GET": journal_api.count},
    "/state": {"GET": state_api.read_state, "PUT": state_api.restore},
    "/webhooks": {"GET": webhook_api.webhooks},
    "/starts": {"GET": start_api.read_starts, "PUT": start_api.set_delay},
    "/caches": {
        "GET": cache_api.read_caches,
        "PUT": cache_api.switch_caches,
        "DELETE": cache_api.empty_caches,
    },
    "/openapi.json": {"GET": document.openapi},
}


def control_routes() -> list[BaseRoute]:
    prefix = "/__mock__"
    routes: list[BaseRoute] = []
    for path, handlers in HANDLERS.items():
        # include_in_schema=False keeps these out of anything that introspects the bk-sops routes.
        routes.append(
            Route(
                prefix + path,
                endpoint(prefix + path, handlers),
                methods=list(handlers),
                include_in_schema=False,
            )
        )
    return routes
