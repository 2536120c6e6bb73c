"""The control API's OpenAPI 3.1 document, served at /__mock__/openapi.json.

Generated, never written by hand: the paths from schemas/control/routes.json, the bodies and
answers from the JSON Schemas beside it, bundled into `components/schemas` (named
`<group>.<name>`, e.g. `faults.rule`). It shares nothing with the bk-sops document
`schemas.build_openapi()` generates, and neither mentions the other.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from schemas.control_store import (
    CONTROL_PREFIX,
    control_documents,
    control_routes_table,
    control_schema,
)

from .contract import Answer, Ask, ControlOp, control_ops

COMPONENTS = "#/components/schemas/"
ERROR = "common/error"
_PARAMETER = re.compile(r"{([a-z_]+)}")


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": COMPONENTS + name.replace("/", ".")}


def _rewrite(node: Any) -> Any:
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref":
            if not value.startswith(CONTROL_PREFIX):
                raise ValueError(f"a control schema refers outside its folder: {value!r}")
            value = _ref(value.removeprefix(CONTROL_PREFIX))["$ref"]
        out[key] = _rewrite(value)
    return out


def _components() -> dict[str, Any]:
    bundled = {}
    for name in sorted(control_documents()):
        schema = control_schema(name)
        schema.pop("$id")
        schema.pop("$schema", None)
        bundled[name.replace("/", ".")] = _rewrite(schema)
    return bundled


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(op: ControlOp) -> dict[str, Any]:
    responses = {status: _json(_ref(schema), "OK") for status, schema in op.answers.items()}
    for status in sorted({*map(str, op.refusals), "401"}):
        responses[status] = {"$ref": f"#/components/responses/{status}"}
    out: dict[str, Any] = {"summary": op.summary, "responses": responses}
    if op.body is not None:
        accepts_nothing = "null" in (control_schema(op.body).get("type") or ())
        content = {"application/json": {"schema": _ref(op.body)}}
        out["requestBody"] = {"required": not accepts_nothing, "content": content}
    if op.query is not None:
        query = control_schema(op.query)["properties"]
        out["parameters"] = [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": schema.get("description", ""),
                "schema": {k: v for k, v in schema.items() if k != "description"},
            }
            for name, schema in query.items()
        ]
    return out


def _paths() -> dict[str, Any]:
    table = control_routes_table()
    parameters = table["parameters"]
    paths: dict[str, Any] = {}
    for op in control_ops():
        item = paths.setdefault(op.path, {})
        names = _PARAMETER.findall(op.path)
        if names and "parameters" not in item:
            item["parameters"] = [
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "description": parameters[name].get("description", ""),
                    "schema": {k: v for k, v in parameters[name].items() if k != "description"},
                }
                for name in names
            ]
        item[op.method.lower()] = _operation(op)
    return paths


@functools.cache
def _document() -> dict[str, Any]:
    table = control_routes_table()
    return {
        "openapi": "3.1.0",
        "info": table["info"],
        "servers": [{"url": "/"}],
        "components": {
            "schemas": _components(),
            "responses": {
                status: _json(_ref(ERROR), text) for status, text in table["statuses"].items()
            },
            "securitySchemes": {"controlToken": {"type": "http", "scheme": "bearer"}},
        },
        "paths": _paths(),
        "security": [{"controlToken": []}, {}],
    }


def build_document() -> dict[str, Any]:
    """The document (a fresh copy: callers may change it)."""
    return copy.deepcopy(_document())


def openapi(ask: Ask) -> Answer:
    return 200, _document()
