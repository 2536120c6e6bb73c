"""Component schemas of the control API's OpenAPI document (see control.document)."""

from __future__ import annotations

from typing import Any

from mockserver.faults import DISTRIBUTIONS, KINDS
from simulator.scenarios import OUTCOMES

INT = {"type": "integer", "minimum": 0}
STR = {"type": "string"}
TIME = {"type": "string", "format": "date-time"}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def schemas() -> dict[str, Any]:
    return {
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {"error": STR, "message": STR},
        },
        "Clock": {
            "type": "object",
            "required": ["now", "mode", "speed"],
            "properties": {
                "now": TIME,
                "mode": {"enum": ["wall", "virtual"]},
                "speed": {"type": "number"},
                "idle": {"type": "boolean"},
                "steps": INT,
            },
        },
        "ClockMove": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["advance"],
                    "properties": {"advance": {"type": "number", "minimum": 0}},
                },
                {"type": "object", "required": ["to"], "properties": {"to": TIME}},
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
                "fixture": STR,
                "seed": {"type": "integer"},
                "now": TIME,
                "mode": STR,
                "speed": {"type": "number"},
            },
        },
        "Reset": {"type": "object", "properties": {"fixture": STR, "seed": {"type": "integer"}}},
        "ResetDone": {
            "type": "object",
            "required": ["status", "fixture", "seed"],
            "properties": {
                "status": {"const": "reset"},
                "fixture": STR,
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
                "ex_data": STR,
                "fail_times": INT,
                "polls": INT,
                "outputs": {"type": "object"},
                "duration_input": STR,
            },
        },
        "Book": {
            "type": "object",
            "properties": {
                "components": {"type": "object", "additionalProperties": ref("Scenario")},
                "templates": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": ref("Scenario"),
                    },
                },
                "built_in": {"type": "object", "additionalProperties": ref("Scenario")},
                "generic_default": ref("Scenario"),
                "changes": {"type": "array", "items": {"type": "object"}},
            },
        },
        "ResolvedScenario": {
            "type": "object",
            "required": ["source", "scenario"],
            "properties": {
                "code": STR,
                "template_id": INT,
                "node_id": STR,
                "source": {
                    "enum": ["book", "built_in", "generic_default", "template_node", "component"]
                },
                "scenario": ref("Scenario"),
            },
        },
        "TaskScenarios": {
            "type": "object",
            "required": ["task_id", "overrides", "changes"],
            "properties": {
                "task_id": INT,
                "overrides": {"type": "object", "additionalProperties": ref("Scenario")},
                "changes": {"type": "array", "items": {"type": "object"}},
            },
        },
        "TaskNodeScenario": {
            "type": "object",
            "required": ["task_id", "node_id", "at", "scenario"],
            "properties": {
                "task_id": INT,
                "node_id": STR,
                "at": TIME,
                "scenario": {"oneOf": [ref("Scenario"), {"type": "null"}]},
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
                "applied": {
                    "type": "boolean",
                    "description": "run the operation first; only its answer is lost or replaced",
                },
            },
        },
        "Rule": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"},
                "operations": {"type": "array", "items": STR},
                "probability": {"type": "number", "minimum": 0, "maximum": 1},
                "after": INT,
                "times": {"type": ["integer", "null"], "minimum": 0},
                "window": {
                    "type": "object",
                    "properties": {"from": TIME, "until": TIME, "seconds": {"type": "number"}},
                },
                "latency": {"oneOf": [ref("Latency"), {"type": "null"}]},
                "fault": {"oneOf": [ref("Fault"), {"type": "null"}]},
                "set_at": {**TIME, "readOnly": True},
                "matched": {**INT, "readOnly": True},
                "injected": {**INT, "readOnly": True},
            },
        },
        "Rules": {
            "type": "object",
            "required": ["rules"],
            "properties": {
                "seed": {"type": "integer"},
                "rules": {"type": "array", "items": ref("Rule")},
            },
        },
        "JournalEntry": {
            "type": "object",
            "properties": {
                "seq": INT,
                "at": TIME,
                "method": STR,
                "path": STR,
                "operation": {"type": ["string", "null"]},
                "family": {"type": ["string", "null"]},
                "params": {"type": "object", "description": "bounded summary, secrets masked"},
                "app_code": {"type": ["string", "null"]},
                "username": {"type": ["string", "null"]},
                "status": INT,
                "result": {"type": ["boolean", "null"]},
                "code": {"type": ["integer", "null"]},
                "trace_id": STR,
                "task_id": {"type": ["integer", "null"]},
                "bk_biz_id": {"type": ["integer", "null"]},
                "latency": {"type": "number"},
                "fault": {"type": ["string", "null"]},
                "rules": {"type": "array", "items": STR},
            },
        },
        "Journal": {
            "type": "object",
            "required": ["size", "received", "evicted", "held"],
            "properties": {
                "entries": {"type": "array", "items": ref("JournalEntry")},
                "count": INT,
                "cleared": INT,
                "size": INT,
                "received": INT,
                "evicted": INT,
                "held": INT,
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
                "webhooks": {"type": "array", "description": "callback_url records"},
                "faults": {"type": "object"},
            },
        },
        "Webhooks": {
            "type": "object",
            "required": ["records", "deliveries", "hosts"],
            "properties": {
                "records": {"type": "array", "items": {"type": "object"}},
                "deliveries": {"type": "array", "items": {"type": "object"}},
                "hosts": {"type": "array", "items": STR},
            },
        },
        "Starts": {
            "type": "object",
            "required": ["delay"],
            "properties": {
                "delay": {
                    "type": "object",
                    "required": ["min", "max"],
                    "properties": {"min": {"type": "number"}, "max": {"type": "number"}},
                },
                "pending": {"type": "array", "items": {"type": "object"}},
                "lost": {"type": "array", "items": {"type": "object"}},
                "queued": {"type": "object"},
            },
        },
        "Restored": {
            "type": "object",
            "required": ["status", "tasks"],
            "properties": {"status": {"const": "restored"}, "tasks": INT, "now": TIME},
        },
    }
