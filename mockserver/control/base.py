"""What every control endpoint shares: the guard, JSON bodies, query values and errors.

Answers are plain JSON objects; errors carry HTTP 4xx and `{"error": ..., "message": ...}`.
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
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


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


async def json_body(request: Request, depth: int = MAX_CONTROL_DEPTH) -> Any:
    body = await request.body()
    if not body.strip():
        return None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ControlError(400, "invalid_json", "the body is not valid JSON") from None
    if too_deep(body, parsed, depth):
        message = f"the body nests arrays and objects deeper than {depth} levels"
        raise ControlError(400, "invalid_json", message)
    return parsed


async def json_object(request: Request) -> dict[str, Any]:
    parsed = await json_body(request)
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise ControlError(400, "invalid_json", "the body must be a JSON object")
    return parsed


def query_int(query: Mapping[str, str], name: str) -> int | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()):
        raise ControlError(400, f"invalid_{name}", f"{name} must be a non-negative integer")
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
    return json_response({"error": exc.error, "message": exc.message}, status=exc.status)
