"""Builds the OpenAPI 3.1 document of the bk-sops operations from the table and the JSON Schemas.

The document is generated, never edited by hand. Every schema of the package is bundled into
`components/schemas` (a schema's `$defs` become components of their own, named
`<folder>.<schema>.<def>`), and every `$ref` is rewritten to point there, so the document resolves
offline. Output is deterministic: components sorted by name, paths in table order.
"""

from __future__ import annotations

from typing import Any

from schemas.loader import ID_PREFIX, schema, schema_by_id, schema_id, schema_ids
from schemas.operations import OPERATIONS, Operation, operation

OPENAPI_VERSION = "3.1.0"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The bk-sops release the reference facts were read from.
API_VERSION = "3.34.17"
COMPONENTS = "#/components/schemas/"
_DEFS = "/$defs/"


def component_name(uri: str, definition: str | None = None) -> str:
    """urn:sops-mock:common/envelope -> common.envelope; $defs/error: common.envelope.error."""
    if not uri.startswith(ID_PREFIX):
        raise ValueError(f"not a schema of this package: {uri!r}")
    name = uri.removeprefix(ID_PREFIX).replace("/", ".")
    return f"{name}.{definition}" if definition else name


def _ref(ref: str, base: str) -> str:
    uri, _, fragment = ref.partition("#")
    target = uri or base
    if fragment in ("", "/"):
        return COMPONENTS + component_name(target)
    definition = fragment.removeprefix(_DEFS)
    if fragment.startswith(_DEFS) and definition and "/" not in definition:
        return COMPONENTS + component_name(target, definition)
    raise ValueError(f"cannot bundle $ref {ref!r} in {base}: point at a schema or one of its $defs")


def _rewrite(node: Any, base: str) -> Any:
    if isinstance(node, list):
        return [_rewrite(item, base) for item in node]
    if not isinstance(node, dict):
        return node
    if "$id" in node or "$defs" in node:
        raise ValueError(f"{base}: only a schema's top level may hold $id or $defs")
    return {
        key: _ref(value, base) if key == "$ref" else _rewrite(value, base)
        for key, value in node.items()
    }


def _components() -> dict[str, Any]:
    bundled: dict[str, Any] = {}
    for uri in schema_ids():
        document = schema_by_id(uri)
        document.pop("$id")
        document.pop("$schema", None)
        definitions = document.pop("$defs", {})
        parts = [(component_name(uri), document)]
        parts += [(component_name(uri, name), sub) for name, sub in definitions.items()]
        for name, part in parts:
            if name in bundled:
                raise ValueError(f"two schemas bundle to the component {name!r}")
            bundled[name] = _rewrite(part, uri)
    return dict(sorted(bundled.items()))


def _path_parameter(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }


def _query_parameter(name: str, prop: dict[str, Any], required: bool, base: str) -> dict[str, Any]:
    parameter: dict[str, Any] = {"name": name, "in": "query", "required": required}
    if "description" in prop:
        parameter["description"] = prop["description"]
    parameter["schema"] = _rewrite(prop, base)
    return parameter


def _links(op: Operation) -> dict[str, Any]:
    links: dict[str, Any] = {}
    for link in op.links:
        target = operation(link.operation)
        known = set(target.path_ids) | set(schema(target.name, "request")["properties"])
        unknown = sorted(dict(link.parameters).keys() - known)
        if unknown:
            raise ValueError(f"link {link.name} of {op.name}: {target.name} has no {unknown}")
        entry: dict[str, Any] = {"operationId": target.name, "parameters": dict(link.parameters)}
        if link.description:
            entry["description"] = link.description
        links[link.name] = entry
    return links


def _json_content(uri: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": COMPONENTS + component_name(uri)}}}


def _operation_object(op: Operation) -> dict[str, Any]:
    base = schema_id(op.name, "request")
    request = schema_by_id(base)
    properties: dict[str, Any] = request.get("properties", {})
    required: list[str] = request.get("required", [])
    missing = [name for name in op.path_ids if name not in properties]
    if missing:
        raise ValueError(f"{op.name}: path ids {missing} are not request properties")
    others = {name: prop for name, prop in properties.items() if name not in op.path_ids}
    parameters = [_path_parameter(name) for name in op.path_ids]
    result: dict[str, Any] = {"operationId": op.name, "summary": op.summary}
    if op.params_in == "query":
        parameters += [
            _query_parameter(name, prop, name in required, base) for name, prop in others.items()
        ]
    else:
        body_required = [name for name in required if name in others]
        body: dict[str, Any] = {"type": "object", "properties": _rewrite(others, base)}
        if body_required:
            body["required"] = body_required
        result["requestBody"] = {
            "required": bool(body_required),
            "content": {"application/json": {"schema": body}},
        }
    result["parameters"] = parameters
    ok: dict[str, Any] = {
        "description": "The bk-sops answer: a success, or an application error with result false",
        "content": _json_content(schema_id(op.name, "response")),
    }
    if op.links:
        ok["links"] = _links(op)
    result["responses"] = {
        "200": ok,
        "4XX": {
            "description": "Rejected by the API gateway (authentication, routing)",
            "content": _json_content(schema_id("common", "gateway_error")),
        },
    }
    return result


def build_openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every operation on its backend path (/apigw/...)."""
    components = _components()
    paths = {op.path(): {op.method.lower(): _operation_object(op)} for op in OPERATIONS}
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": "bk-sops task API",
            "version": API_VERSION,
            "description": (
                "The bk-sops (BlueKing Standard Operations) task API as sops-mock serves it, on "
                "the backend paths. Application errors are HTTP 200 with result false."
            ),
        },
        "paths": paths,
        "components": {"schemas": components},
    }
    _check_refs(document, set(components))
    return document


def _check_refs(node: Any, names: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _check_refs(item, names)
    elif isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.removeprefix(COMPONENTS) not in names:
            raise ValueError(f"dangling $ref {ref!r}")
        for value in node.values():
            _check_refs(value, names)
