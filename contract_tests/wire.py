"""Reads a sent request back the way bk-sops reads it, and says whether its input was valid.

Schemathesis labels cases positive or negative from the schema it generated them with, but what
matters is what reached the server: a "negative" integer in a query string is a valid digit
string on the wire, a pinned id undoes a mutation. So the suite judges the request it sent:
path ids, then the query (GET, last value wins) or the JSON body (POST, whatever the
Content-Type), validated against the operation's request schema.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import schemas
from schemas.operations import Operation

from .target import Family, Request

_DIGITS = re.compile(r"^[0-9]+$")
_REQUIRED = re.compile(r"^'([^']+)' is a required property")


@dataclass(frozen=True)
class WireInput:
    """The parameters of one request as bk-sops sees them."""

    # False when the method or a path id cannot reach the operation's view (404/405 expected).
    route_ok: bool
    # Path ids merged over the query or body; None when a POST body is not a JSON object.
    params: dict[str, Any] | None
    carried_credentials: bool


@dataclass(frozen=True)
class InputError:
    field: str
    message: str


def read_wire(
    op: Operation, family: Family, request: Request, path_ids: dict[str, Any]
) -> WireInput:
    route_ok = request.method.upper() == op.method
    ids: dict[str, int] = {}
    if family != "esb":
        for name in op.path_ids:
            text = str(path_ids.get(name, ""))
            if _DIGITS.match(text) and text.isascii():
                ids[name] = int(text)
            else:
                route_ok = False
    params: dict[str, Any] | None
    if op.method == "GET":
        params = {k: v for k, raw in request.query.items() if (v := _last(raw)) is not None}
    else:
        params = _body_params(request.content())
    creds = "X-Bkapi-Authorization" in request.headers or (
        params is not None and "bk_app_code" in params
    )
    if params is not None:
        params = {**params, **ids}
    return WireInput(route_ok=route_ok, params=params, carried_credentials=creds)


def _last(value: str | list[str]) -> str | None:
    if isinstance(value, list):
        return value[-1] if value else None
    return value


def _body_params(content: bytes | None) -> dict[str, Any] | None:
    if content is None or not content.strip():
        return {}
    try:
        parsed = json.loads(content)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def input_errors(op: Operation, wire: WireInput) -> list[InputError]:
    """Every way the input breaks the request schema; a body that is no object is one error."""
    if wire.params is None:
        return [InputError("(body)", "the body is not a JSON object")]
    found = []
    for error in schemas.validator(op.name, "request").iter_errors(wire.params):
        path = ".".join(str(part) for part in error.absolute_path)
        if error.validator == "required":
            match = _REQUIRED.match(error.message)
            missing = match.group(1) if match else "?"
            path = f"{path}.{missing}" if path else missing
        found.append(InputError(path or "(root)", error.message))
    return found
