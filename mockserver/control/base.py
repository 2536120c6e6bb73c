"""What every control endpoint shares: the guard, bounded JSON bodies, query values and errors.

Answers are plain JSON objects; errors carry HTTP 4xx and `{"error", "message"}`, plus `field`
when one field of the body is to blame (the shape is schemas/control/common/error).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mockserver.envelope import json_response
from mockserver.jsondepth import MAX_CONTROL_DEPTH, too_deep
from mockserver.state import MockState


class ControlError(Exception):
    def __init__(self, status: int, error: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.field = status, error, message, field

    def body(self) -> dict[str, Any]:
        out = {"error": self.error, "message": self.message}
        return out if self.field is None else {**out, "field": self.field}


class ControlContractError(AssertionError):
    """A control answer its own schema rejects (response validation on): a bug in the mock."""


def guarded(request: Request) -> MockState:
    """The app's state, once the caller has shown the control token (when one is set)."""
    mock: MockState = request.app.state.mock
    token = mock.settings.control_token
    if token is not None:
        given = request.headers.get("authorization", "")
        # compare_digest: the time taken does not tell how much of a guess was right.
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise ControlError(
                401, "unauthorized", "the control API needs 'Authorization: Bearer <token>'"
            )
    return mock


def _too_large(limit: int) -> ControlError:
    return ControlError(413, "body_too_large", f"the body is larger than {limit} bytes")


async def read_json(
    request: Request, limit: int, depth: int = MAX_CONTROL_DEPTH
) -> tuple[Any, int]:
    """The parsed body (None when empty) and its size, read no further than `limit` bytes and
    nested no deeper than `depth` levels (mockserver/jsondepth.py)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)  # refused before a byte of it is read
    pieces: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        pieces.append(chunk)
    body = b"".join(pieces)
    if not body.strip():
        return None, size
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ControlError(400, "invalid_json", "the body is not valid JSON") from None
    if too_deep(body, parsed, depth):
        message = f"the body nests arrays and objects deeper than {depth} levels"
        raise ControlError(400, "invalid_json", message)
    return parsed, size


def query_int(query: Mapping[str, str], name: str) -> int | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 15):
        raise ControlError(400, f"invalid_{name}", f"{name} must be a non-negative integer", name)
    return int(value)


def query_bool(query: Mapping[str, str], name: str) -> bool | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    if value not in ("true", "false"):
        raise ControlError(400, f"invalid_{name}", f"{name} must be true or false")
    return value == "true"


def ok(body: Any, status: int = 200) -> Response:
    return json_response(body, status=status)


async def control_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ControlError)
    body = exc.body()
    mock: MockState = request.app.state.mock
    if mock.settings.validate_responses:
        from .contract import check_answer  # the schemas load on first use only

        check_answer("common/error", exc.status, body)
    return json_response(body, status=exc.status)
