"""The public loader API: schemas and cached validators by operation, examples, validation.

Schema files are read by schemas.store; failures are reported by schemas.failures.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from jsonschema import Draft202012Validator

from schemas.failures import ValidationFailure, first_error
from schemas.operations import OPERATIONS
from schemas.store import (
    ID_PREFIX,
    documents,
    package,
    read_json,
    registry,
    schema_by_id,
    schema_id,
    schema_ids,
)

__all__ = [
    "COMMON",
    "ID_PREFIX",
    "KINDS",
    "Kind",
    "ValidationFailure",
    "common_validator",
    "examples",
    "first_error",
    "operation_names",
    "registry",
    "schema",
    "schema_by_id",
    "schema_id",
    "schema_ids",
    "validate",
    "validator",
]

Kind = Literal["request", "response"]
KINDS: tuple[Kind, ...] = ("request", "response")
COMMON = "common"


def operation_names() -> tuple[str, ...]:
    """Operation names in table order."""
    return tuple(op.name for op in OPERATIONS)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")


def schema(op: str, kind: Kind) -> dict[str, Any]:
    """A copy of the request or response schema of an operation."""
    _check_kind(kind)
    return schema_by_id(schema_id(op, kind))


@functools.cache
def _validator_for(uri: str) -> Draft202012Validator:
    try:
        contents = documents()[uri]
    except KeyError:
        raise LookupError(f"no schema with $id {uri!r}") from None
    return Draft202012Validator(contents, registry=registry())


def validator(op: str, kind: Kind) -> Draft202012Validator:
    """The cached validator of an operation's request or response schema."""
    _check_kind(kind)
    return _validator_for(schema_id(op, kind))


def common_validator(name: str) -> Draft202012Validator:
    """The cached validator of a common schema, e.g. "pipeline_tree" or "gateway_error"."""
    return _validator_for(schema_id(COMMON, name))


def validate(op: str, kind: Kind, instance: Any) -> ValidationFailure | None:
    """None when the instance is valid, else its most relevant failure."""
    return first_error(validator(op, kind), instance)


def examples(op: str) -> list[tuple[Kind, str, Any]]:
    """Stored examples of an operation as (kind, name, instance), sorted by file name.

    `examples/response.doc2018.json` gives ("response", "doc2018", {...}).
    """
    folder = package() / op / "examples"
    if not folder.is_dir():
        return []
    found: list[tuple[Kind, str, Any]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        kind, _, name = entry.name.removesuffix(".json").partition(".")
        if kind == "request":
            found.append(("request", name, read_json(entry)))
        elif kind == "response":
            found.append(("response", name, read_json(entry)))
        else:
            raise ValueError(f"{op}/examples/{entry.name}: name must start with request./response.")
    return found
