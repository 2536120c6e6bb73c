"""The control API's own OpenAPI 3.1 document, served at /__mock__/openapi.json.

Written by hand as data: it describes sops-mock's endpoints, not bk-sops's, so it shares
nothing with the document `schemas.build_openapi()` generates, and neither mentions the other.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.faults import DISTRIBUTIONS, KINDS
from simulator.scenarios import OUTCOMES

from .base import guarded, ok


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, answer: str, *, body: str | None = None, created: bool = False) -> Any:
    responses: dict[str, Any] = {
        "201" if created else "200": _json(_ref(answer)),
        "400": {"$ref": "#/components/responses/Invalid"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
    }
    out: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        out["requestBody"] = _body(_ref(body))
    return out


def _path_param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": text}


_INT = {"type": "integer", "minimum": 0}
_STR = {"type": "string"}
_TIME = {"type": "string", "format": "date-time"}
_FILTERS = [
    _query("operation", _STR, "bk-sops operation name"),
    _query("task_id", _INT, "task id (from the path, query, body or create_task's answer)"),
    _query("family", {"enum": ["backend", "gateway", "esb"]}, "URL family"),
    _query("status", _INT, "HTTP status sent (0: connection dropped)"),
    _query("result", {"enum": ["true", "false"]}, "the answer's result"),
    _query("since", _INT, "only entries with a larger seq"),
]


def _schemas() -> dict[str, Any]:
    return {
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {"error": _STR, "message": _STR},
        },
        "Clock": {
            "type": "object",
            "required": ["now", "mode", "speed"],
            "properties": {
                "now": _TIME,
                "mode": {"enum": ["wall", "virtual"]},
                "speed": {"type": "number"},
                "idle": {"type": "boolean"},
                "steps": _INT,
            },
        },
        "ClockMove": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["advance"],
                    "properties": {"advance": {"type": "number", "minimum": 0}},
                },
                {"type": "object", "required": ["to"], "properties": {"to": _TIME}},
                {
                    "type": "object",
                    "required": ["until_idle"],
                    "properties": {"until_idle": {"const": True}},
                },
            ]
        },
        "Health": {
            "type": "object",
            "required": ["status", "fixture", "seed", "now", "mode", "speed"],
            "properties": {
                "status": {"const": "ok"},
                "fixture": _STR,
                "seed": {"type": "integer"},
                "now": _TIME,
                "mode": _STR,
                "speed": {"type": "number"},
            },
        },
        "Reset": {"type": "object", "properties": {"fixture": _STR, "seed": {"type": "integer"}}},
        "ResetDone": {
            "type": "object",
            "required": ["status", "fixture", "seed"],
            "properties": {
                "status": {"const": "reset"},
                "fixture": _STR,
                "seed": {"type": "integer"},
            },
        },
        "Scenario": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "duration": {"type": "number", "minimum": 0},
                "jitter": {"type": "number", "minimum": 0},
                "outcome": {"enum": list(OUTCOMES)},
                "ex_data": _STR,
                "fail_times": _INT,
                "polls": _INT,
                "outputs": {"type": "object"},
                "duration_input": _STR,
            },
        },
        "Book": {
            "type": "object",
            "properties": {
                "components": {"type": "object", "additionalProperties": _ref("Scenario")},
                "templates": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": _ref("Scenario"),
                    },
                },
                "built_in": {"type": "object", "additionalProperties": _ref("Scenario")},
                "generic_default": _ref("Scenario"),
                "changes": {"type": "array", "items": {"type": "object"}},
            },
        },
        "ResolvedScenario": {
            "type": "object",
            "required": ["source", "scenario"],
            "properties": {
                "code": _STR,
                "template_id": _INT,
                "node_id": _STR,
                "source": {
                    "enum": ["book", "built_in", "generic_default", "template_node", "component"]
                },
                "scenario": _ref("Scenario"),
            },
        },
        "TaskScenarios": {
            "type": "object",
            "required": ["task_id", "overrides", "changes"],
            "properties": {
                "task_id": _INT,
                "overrides": {"type": "object", "additionalProperties": _ref("Scenario")},
                "changes": {"type": "array", "items": {"type": "object"}},
            },
        },
        "TaskNodeScenario": {
            "type": "object",
            "required": ["task_id", "node_id", "at", "scenario"],
            "properties": {
                "task_id": _INT,
                "node_id": _STR,
                "at": _TIME,
                "scenario": {"oneOf": [_ref("Scenario"), {"type": "null"}]},
            },
        },
        "Latency": {
            "type": "object",
            "properties": {
                "distribution": {"enum": list(DISTRIBUTIONS)},
                "seconds": {"type": "number", "minimum": 0, "description": "fixed"},
                "min": {"type": "number", "minimum": 0, "description": "uniform"},
                "max": {"type": "number", "minimum": 0, "description": "uniform"},
                "median": {"type": "number", "minimum": 0, "description": "lognormal"},
                "sigma": {"type": "number", "minimum": 0, "description": "lognormal"},
                "cap": {"type": "number", "minimum": 0, "maximum": 600},
            },
        },
        "Fault": {
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": {"enum": list(KINDS)},
                "code": {"type": "integer", "description": "app_error: bk-sops code (3599999)"},
                "message": {"type": "string", "description": "app_error"},
                "status": {"type": "integer", "description": "http_error: 429 or 5xx (503)"},
                "body": {"description": "http_error: JSON body (default: the reason phrase)"},
            },
        },
        "Rule": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"},
                "operations": {"type": "array", "items": _STR},
                "probability": {"type": "number", "minimum": 0, "maximum": 1},
                "after": _INT,
                "times": {"type": ["integer", "null"], "minimum": 0},
                "window": {
                    "type": "object",
                    "properties": {"from": _TIME, "until": _TIME, "seconds": {"type": "number"}},
                },
                "latency": {"oneOf": [_ref("Latency"), {"type": "null"}]},
                "fault": {"oneOf": [_ref("Fault"), {"type": "null"}]},
                "set_at": {**_TIME, "readOnly": True},
                "matched": {**_INT, "readOnly": True},
                "injected": {**_INT, "readOnly": True},
            },
        },
        "Rules": {
            "type": "object",
            "required": ["rules"],
            "properties": {
                "seed": {"type": "integer"},
                "rules": {"type": "array", "items": _ref("Rule")},
            },
        },
        "JournalEntry": {
            "type": "object",
            "properties": {
                "seq": _INT,
                "at": _TIME,
                "method": _STR,
                "path": _STR,
                "operation": {"type": ["string", "null"]},
                "family": {"type": ["string", "null"]},
                "params": {"type": "object", "description": "bounded summary, secrets masked"},
                "app_code": {"type": ["string", "null"]},
                "username": {"type": ["string", "null"]},
                "status": _INT,
                "result": {"type": ["boolean", "null"]},
                "code": {"type": ["integer", "null"]},
                "trace_id": _STR,
                "task_id": {"type": ["integer", "null"]},
                "bk_biz_id": {"type": ["integer", "null"]},
                "latency": {"type": "number"},
                "fault": {"type": ["string", "null"]},
                "rules": {"type": "array", "items": _STR},
            },
        },
        "Journal": {
            "type": "object",
            "required": ["size", "received", "evicted", "held"],
            "properties": {
                "entries": {"type": "array", "items": _ref("JournalEntry")},
                "count": _INT,
                "cleared": _INT,
                "size": _INT,
                "received": _INT,
                "evicted": _INT,
                "held": _INT,
            },
        },
        "State": {
            "type": "object",
            "required": ["format", "fixture", "seed", "clock", "counters", "engine", "faults"],
            "properties": {
                "format": {"const": "sops-mock-state/1"},
                "fixture": {"type": "object"},
                "seed": {"type": "integer"},
                "clock": {"type": "object"},
                "counters": {"type": "object"},
                "engine": {"type": "object"},
                "scenario_changes": {"type": "array"},
                "faults": {"type": "object"},
            },
        },
        "Restored": {
            "type": "object",
            "required": ["status", "tasks"],
            "properties": {"status": {"const": "restored"}, "tasks": _INT, "now": _TIME},
        },
    }


_CODE = _path_param("code", _STR)
_TEMPLATE = [_path_param("template_id", _INT), _path_param("node_id", _STR)]
_TASK = _path_param("task_id", _INT)
_RULE = _path_param("rule_id", _STR)


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
            "parameters": [_TASK, _path_param("node_id", _STR)],
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
                "parameters": [*_FILTERS, _query("limit", _INT, "keep the newest N")],
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
            "schemas": _schemas(),
            "responses": {
                "Invalid": _json(_ref("Error"), "Refused input (error names the problem)"),
                "Unauthorized": _json(_ref("Error"), "Missing or wrong control token"),
            },
            "securitySchemes": {"controlToken": {"type": "http", "scheme": "bearer"}},
        },
        "paths": _paths(),
        "security": [{"controlToken": []}, {}],
    }


async def openapi(request: Request) -> Response:
    guarded(request)
    return ok(build_document())
