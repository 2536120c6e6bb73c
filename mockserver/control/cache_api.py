"""bk-sops's answer caches at run time: read, switch on or off, empty (answer_cache.py).

The body shapes are in schemas/control/caches.schema.json; a PUT body is checked against it.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockserver.answer_cache import RULES
from mockserver.state import MockState
from schemas.store import schema_by_id

from .base import ControlError, guarded, json_body, ok

SCHEMA_ID = "urn:sops-mock:control/caches"


@functools.cache
def _change_validator() -> Draft202012Validator:
    document = schema_by_id(SCHEMA_ID)
    return Draft202012Validator({**document, "$ref": "#/$defs/change"})


def view(mock: MockState) -> dict[str, Any]:
    return {
        "enabled": mock.caches.enabled,
        "entries": mock.caches.counts(),
        "ttl": {op: rule.ttl for op, rule in RULES.items()},
    }


async def caches(request: Request) -> Response:
    """GET the switch and counts; PUT `{"enabled": bool}`; DELETE empties every cache."""
    mock = guarded(request)
    if request.method == "PUT":
        body = await json_body(request)
        error = best_match(_change_validator().iter_errors(body))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "body"
            raise ControlError(400, "invalid_caches", f"{where}: {error.message}")
        with mock.lock:
            mock.caches.enabled = body["enabled"]
            if not body["enabled"]:
                mock.caches.clear()  # switched on later, nothing old comes back
            return ok(view(mock))
    with mock.lock:
        if request.method == "DELETE":
            mock.caches.clear()
        return ok(view(mock))


def routes() -> list[BaseRoute]:
    return [
        Route(
            "/__mock__/caches",
            caches,
            methods=["GET", "PUT", "DELETE"],
            include_in_schema=False,
        )
    ]


def doc_schemas() -> dict[str, Any]:
    """Component schemas for the control API's OpenAPI document, from the schema file."""
    defs = schema_by_id(SCHEMA_ID)["$defs"]
    return {"Caches": defs["view"], "CachesChange": defs["change"]}


def doc_paths(op: Any) -> dict[str, Any]:
    """The route's path item, made with the document's own operation builder `op`."""
    return {
        "/__mock__/caches": {
            "get": op("bk-sops's answer caches: switch, entries, ttl", "Caches"),
            "put": op(
                "Switch the caches on or off (off empties them)", "Caches", body="CachesChange"
            ),
            "delete": op("Empty every cache", "Caches"),
        }
    }
