"""The control API's JSON Schemas (`schemas/control/<group>/<name>.schema.json`) and route table.

They are kept apart from the bk-sops schemas: their own registry, their own `$id`s
(`urn:sops-mock:control/<group>/<name>`), and the bk-sops store, which reads one folder down,
never sees them, so the bk-sops OpenAPI document cannot pick them up. `routes.json` says which
schema each control call takes and answers; the mock validates with it and its OpenAPI
document is generated from it.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from schemas.operations import OPERATIONS
from schemas.store import ID_PREFIX, package, read_json

FOLDER = "control"
CONTROL_PREFIX = f"{ID_PREFIX}{FOLDER}/"
# The one schema filled at load time: the operation names come from the operation table,
# so adding an operation does not touch the control schemas.
_OPERATION = "common/operation"
# Annotation on a schema whose anyOf/oneOf failure deserves a sentence of its own.
REFUSAL = "x-refusal"
_NAMING = frozenset({"required", "additionalProperties"})
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def control_id(name: str) -> str:
    """`faults/rule` -> urn:sops-mock:control/faults/rule."""
    return CONTROL_PREFIX + name


@functools.cache
def control_documents() -> dict[str, dict[str, Any]]:
    """Every control schema by name (`faults/rule`), its `$id` checked against its path."""
    found: dict[str, dict[str, Any]] = {}
    root = package() / FOLDER
    for group in sorted(root.iterdir(), key=lambda entry: entry.name):
        if not group.is_dir():
            continue
        for entry in sorted(group.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".schema.json"):
                continue
            name = f"{group.name}/{entry.name.removesuffix('.schema.json')}"
            contents = read_json(entry)
            if contents.get("$id") != control_id(name):
                raise ValueError(f"control/{name}: $id must be {control_id(name)!r}")
            found[name] = contents
    found[_OPERATION]["enum"] = [op.name for op in OPERATIONS]
    return found


def control_schema(name: str) -> dict[str, Any]:
    """A copy of one control schema."""
    try:
        return copy.deepcopy(control_documents()[name])
    except KeyError:
        raise LookupError(f"no control schema {name!r}") from None


@functools.cache
def control_registry() -> Registry:
    resources = [
        (control_id(name), Resource.from_contents(contents, default_specification=DRAFT202012))
        for name, contents in control_documents().items()
    ]
    return Registry().with_resources(resources).crawl()


@functools.cache
def control_validator(name: str) -> Draft202012Validator:
    try:
        contents = control_documents()[name]
    except KeyError:
        raise LookupError(f"no control schema {name!r}") from None
    return Draft202012Validator(contents, registry=control_registry())


@dataclass(frozen=True)
class Refusal:
    """Why an instance does not fit: `field` is a path into it (None: the whole of it)."""

    field: str | None
    message: str


def check(name: str, instance: Any) -> Refusal | None:
    """None when `instance` fits the control schema `name`, else the one problem to report."""
    over = _over_limit(control_documents()[name], instance)
    if over is not None:
        return over
    error = best_match(control_validator(name).iter_errors(instance))
    if error is None:
        return None
    error = _settle(_refusing_ancestor(error))
    where = _path(error)
    message = _message(error)
    if _refuses(error):
        message = str(error.schema[REFUSAL])  # type: ignore[index]
    else:
        missing = _named(error)
        if missing is not None:
            where = f"{where}.{missing}" if where else missing
    return Refusal(where, f"{where}: {message}" if where else message)


def _over_limit(schema: Mapping[str, Any], instance: Any) -> Refusal | None:
    """Top-level size limits first: a list over its limit is refused before its items are read."""
    if not isinstance(instance, dict):
        return None
    for key, sub in schema.get("properties", {}).items():
        value = instance.get(key)
        limit = sub.get("maxItems") if isinstance(value, list) else sub.get("maxProperties")
        if isinstance(value, list | dict) and limit is not None and len(value) > limit:
            return Refusal(key, f"{key}: holds at most {limit}")
    return None


def _settle(error: ValidationError) -> ValidationError:
    """Down an anyOf/oneOf to the branch meant: a value that is not null did not mean null."""
    while error.validator in {"anyOf", "oneOf"} and error.context:
        if _refuses(error):
            break
        kept = [e for e in error.context if not _null_branch(e)]
        if not kept or len({e.relative_schema_path[0] for e in kept}) != 1:
            break
        found = best_match(kept)
        if found is None:
            break
        error = found
    return error


def _refusing_ancestor(error: ValidationError) -> ValidationError:
    """best_match went down into an anyOf whose failure has a sentence: report that instead."""
    node: Any = error
    while node.parent is not None:
        node = node.parent
        if _refuses(node):
            return node
    return error


_TYPES = {"object": "an object", "array": "a list", "string": "a string", "null": "null"}
_TYPES |= {"integer": "an integer", "number": "a number", "boolean": "true or false"}


def _message(error: ValidationError) -> str:
    """What is wrong, without echoing the value (which may be the whole body)."""
    rule: Any = error.validator_value
    kind = error.validator
    if kind == "type":
        names = [rule] if isinstance(rule, str) else list(rule)
        return "must be " + " or ".join(_TYPES.get(n, n) for n in names)
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">"}.get(kind, "<")
        return f"must be {sign} {rule}"
    if kind == "enum":
        return "must be one of " + ", ".join(map(repr, rule))
    if kind == "const":
        return f"must be {rule!r}"
    if kind == "required":
        return "is required"
    if kind == "additionalProperties":
        return "is not a known field"
    if kind in ("maxItems", "maxProperties"):
        return f"holds at most {rule}"
    if kind == "minProperties":
        return f"needs at least {rule} field(s)"
    if kind == "maxLength":
        return f"is longer than {rule} characters"
    if kind == "pattern":
        return f"must match {rule}"
    text = error.message
    return text if len(text) <= 200 else text[:200] + "..."


def _refuses(error: ValidationError) -> bool:
    """The error's schema has a sentence for it (errors naming a field keep their own)."""
    if error.validator in _NAMING:
        return False
    return isinstance(error.schema, dict) and REFUSAL in error.schema


def _null_branch(error: ValidationError) -> bool:
    return error.validator == "type" and error.validator_value == "null"


def _named(error: ValidationError) -> str | None:
    """The field a `required` or `additionalProperties` error is about."""
    instance: Any = error.instance
    if not isinstance(instance, dict) or not isinstance(error.schema, dict):
        return None
    if error.validator == "required":
        needed: Any = error.validator_value
        return next((str(n) for n in needed if n not in instance), None)
    if error.validator == "additionalProperties":
        declared = error.schema.get("properties", {})
        return next((str(k) for k in instance if k not in declared), None)
    return None


def _path(error: ValidationError) -> str | None:
    rendered = ""
    for part in error.absolute_path:
        if isinstance(part, int):
            rendered += f"[{part}]"
        elif _IDENTIFIER.match(part):
            rendered += f".{part}" if rendered else part
        else:
            rendered += f"[{part!r}]"
    return rendered or None


@functools.cache
def control_routes_table() -> dict[str, Any]:
    """routes.json: the document's info, path parameters and every (path, method)."""
    table: dict[str, Any] = read_json(package() / FOLDER / "routes.json")
    return table
