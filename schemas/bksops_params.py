"""bk-sops's own parameter schemas for the views that validate with jsonschema, and their words.

create_task and create_and_start_task pop some keys, set defaults, then call
`jsonschema.validate(params, SCHEMA)` and answer `"<prefix>%s" % error`: the whole multi-line
str of the ValidationError (message, failing keyword, sub-schema, instance). That text prints
bk-sops's schema, so the schema is kept here exactly as bk-sops writes it
(`<operation>/bk_sops_params.json`), apart from the request schema that documents the mock.
bk-sops pins jsonschema 4.23.0; the str format and messages are the same in the 4.26 used here.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

from schemas.store import package, read_json


@functools.cache
def spec(op: str) -> dict[str, Any] | None:
    """The file of `op`, or None for an operation that does not validate this way."""
    entry = package() / op / "bk_sops_params.json"
    if not entry.is_file():
        return None
    found: dict[str, Any] = read_json(entry)
    return found


@functools.cache
def _checker(op: str) -> Any:
    schema = spec(op)
    assert schema is not None, op
    # jsonschema.validate picks the validator from the schema; without `$schema`, the newest.
    return validator_for(schema["schema"])(schema["schema"])


def prepared(op: str, params: dict[str, Any]) -> dict[str, Any]:
    """The params as the view holds them when it validates: keys popped, defaults set."""
    schema = spec(op)
    assert schema is not None, op
    out = {k: v for k, v in params.items() if k not in schema["pops"]}
    for key, value in schema["defaults"].items():
        out.setdefault(key, value)
    return out


def error_text(op: str, params: dict[str, Any]) -> str | None:
    """bk-sops's message for params its schema refuses, or None when it accepts them."""
    schema = spec(op)
    if schema is None:
        return None
    error = best_match(_checker(op).iter_errors(prepared(op, params)))
    if error is None:
        return None
    return f"{schema['prefix']}{error}"


@functools.cache
def web_tree_checker() -> Draft4Validator:
    """validate_web_pipeline_tree's checker: WEB_PIPELINE_SCHEMA under Draft 4, as bk-sops runs it.

    Kept apart from common/pipeline_tree, which documents the tree for clients and is stricter.
    """
    found = read_json(package() / "common" / "bk_sops_web_pipeline.json")
    return Draft4Validator(found["schema"])
