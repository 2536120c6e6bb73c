"""The control API's own OpenAPI 3.1 document, served at /__mock__/openapi.json.

Written by hand as data: it describes sops-mock's endpoints, not bk-sops's, so it shares
nothing with the document `schemas.build_openapi()` generates, and neither mentions the other.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import cache_api
from .base import guarded, ok
from .doc_schemas import INT, STR, ref, schemas


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, answer: str, *, body: str | None = None, created: bool = False) -> Any:
    responses: dict[str, Any] = {
        "201" if created else "200": _json(ref(answer)),
        "400": {"$ref": "#/components/responses/Invalid"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
    }
    out: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        out["requestBody"] = _body(ref(body))
    return out


def _path_param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": text}


_FILTERS = [
    _query("operation", STR, "bk-sops operation name"),
    _query("task_id", INT, "task id (from the path, query, body or create_task's answer)"),
    _query("family", {"enum": ["backend", "gateway", "esb", "outbound"]}, "URL family"),
    _query("status", INT, "HTTP status sent (0: connection dropped)"),
    _query("result", {"enum": ["true", "false"]}, "the answer's result"),
    _query("since", INT, "only entries with a larger seq"),
]


_CODE = _path_param("code", STR)
_TEMPLATE = [_path_param("template_id", INT), _path_param("node_id", STR)]
_TASK = _path_param("task_id", INT)
_RULE = _path_param("rule_id", STR)


def _paths() -> dict[str, Any]:
    return {
        "/__mock__/health": {"get": _op("Status, fixture, seed and clock", "Health")},
        "/__mock__/reset": {
            "post": _op(
                "Forget everything; optionally switch fixture or seed", "ResetDone", body="Reset"
            )
        },
        "/__mock__/clock": {
            "get": _op("Read the clock", "Clock"),
            "post": _op(
                "Advance, set, or run until idle (virtual clock)", "Clock", body="ClockMove"
            ),
        },
        "/__mock__/scenarios": {
            "get": _op("The scenario book and its change log", "Book"),
            "put": _op("Replace every default of the book", "Book", body="Book"),
        },
        "/__mock__/scenarios/components/{code}": {
            "parameters": [_CODE],
            "get": _op("The scenario nodes of this component get", "ResolvedScenario"),
            "put": _op("Set it (tasks created from now on)", "ResolvedScenario", body="Scenario"),
            "delete": _op("Clear it (back to built-in or generic)", "ResolvedScenario"),
        },
        "/__mock__/scenarios/templates/{template_id}/nodes/{node_id}": {
            "parameters": _TEMPLATE,
            "get": _op("The scenario this template node resolves to", "ResolvedScenario"),
            "put": _op("Set it (tasks created from now on)", "ResolvedScenario", body="Scenario"),
            "delete": _op("Clear it", "ResolvedScenario"),
        },
        "/__mock__/tasks/{task_id}/scenarios": {
            "parameters": [_TASK],
            "get": _op("Per-node overrides of one task, with their log", "TaskScenarios"),
        },
        "/__mock__/tasks/{task_id}/nodes/{node_id}/scenario": {
            "parameters": [_TASK, _path_param("node_id", STR)],
            "put": _op("What this node does on its next runs", "TaskNodeScenario", body="Scenario"),
            "delete": _op("Back to the task's snapshot", "TaskNodeScenario"),
        },
        "/__mock__/faults": {
            "get": _op("The fault rules, in order", "Rules"),
            "post": _op("Add a rule", "Rule", body="Rule", created=True),
            "put": _op("Replace every rule", "Rules", body="Rules"),
            "delete": _op("Remove every rule", "Rules"),
        },
        "/__mock__/faults/{rule_id}": {
            "parameters": [_RULE],
            "get": _op("One rule and its counters", "Rule"),
            "put": _op("Add or replace this rule (201 when added)", "Rule", body="Rule"),
            "delete": _op("Remove it", "Rule"),
        },
        "/__mock__/journal": {
            "get": {
                **_op("Journal entries, oldest first", "Journal"),
                "parameters": [*_FILTERS, _query("limit", INT, "keep the newest N")],
            },
            "delete": _op("Clear the journal", "Journal"),
        },
        "/__mock__/journal/count": {
            "get": {**_op("How many entries match", "Journal"), "parameters": _FILTERS},
        },
        "/__mock__/state": {
            "get": _op("The whole state as JSON", "State"),
            "put": _op("Restore a state", "Restored", body="State"),
        },
        "/__mock__/webhooks": {
            "get": {
                **_op("callback_url records and deliveries (with attempts)", "Webhooks"),
                "parameters": [_query("task_id", INT, "one task's only")],
            },
        },
        "/__mock__/starts": {
            "get": _op("bk-sops's start queue: delay, waiting and lost starts", "Starts"),
            "put": _op("Set the delay of starts queued from now on", "Starts", body="Starts"),
        },
        "/__mock__/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": _json({"type": "object"})}}
        },
    }


def build_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sops-mock control API",
            "version": "1",
            "description": (
                "Run-time control of a sops-mock server: clock, scenarios, faults, request "
                "journal and state snapshots. Not part of bk-sops. With --control-token, every "
                "call needs 'Authorization: Bearer <token>'."
            ),
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": {**schemas(), **cache_api.doc_schemas()},
            "responses": {
                "Invalid": _json(ref("Error"), "Refused input (error names the problem)"),
                "Unauthorized": _json(ref("Error"), "Missing or wrong control token"),
            },
            "securitySchemes": {"controlToken": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {**_paths(), **cache_api.doc_paths(_op)},
        "security": [{"controlToken": []}, {}],
    }


async def openapi(request: Request) -> Response:
    guarded(request)
    return ok(build_document())
