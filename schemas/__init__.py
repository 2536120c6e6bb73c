"""The contract layer: JSON Schemas of the bk-sops operations, the operation table, the OpenAPI."""

from schemas.loader import (
    KINDS,
    ValidationFailure,
    common_validator,
    examples,
    first_error,
    operation_names,
    registry,
    schema,
    schema_by_id,
    schema_id,
    schema_ids,
    validate,
    validator,
)
from schemas.openapi import build_openapi
from schemas.operations import OPERATIONS, Link, Operation, operation

__all__ = [
    "KINDS",
    "OPERATIONS",
    "Link",
    "Operation",
    "ValidationFailure",
    "build_openapi",
    "common_validator",
    "examples",
    "first_error",
    "operation",
    "operation_names",
    "registry",
    "schema",
    "schema_by_id",
    "schema_id",
    "schema_ids",
    "validate",
    "validator",
]
