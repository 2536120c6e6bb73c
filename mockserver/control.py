"""The control API under /__mock__/: health, reset and the clock. Not part of bk-sops.

Answers are plain JSON objects; errors carry HTTP 4xx and `{"error": ..., "message": ...}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simulator import VirtualClock

from .envelope import json_response
from .state import MockState

# Bounds of "run until idle", so a flow that loops forever cannot hang the server.
UNTIL_IDLE_MAX_STEPS = 100_000


class ControlError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _mock(request: Request) -> MockState:
    mock: MockState = request.app.state.mock
    token = mock.settings.control_token
    if token is not None and request.headers.get("authorization") != f"Bearer {token}":
        raise ControlError(
            401, "unauthorized", "the control API needs 'Authorization: Bearer <token>'"
        )
    return mock


async def _json_object(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ControlError(400, "invalid_json", "the body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ControlError(400, "invalid_json", "the body must be a JSON object")
    return parsed


def clock_view(mock: MockState) -> dict[str, Any]:
    return {
        "now": mock.clock.now().astimezone(mock.tz).isoformat(),
        "mode": mock.settings.clock,
        "speed": mock.settings.speed,
    }


async def health(request: Request) -> Response:
    mock = _mock(request)
    with mock.lock:
        return json_response(
            {"status": "ok", "fixture": mock.fixture_name, "seed": mock.seed, **clock_view(mock)}
        )


async def reset(request: Request) -> Response:
    mock = _mock(request)
    body = await _json_object(request)
    fixture, seed = body.get("fixture"), body.get("seed")
    if fixture is not None and not isinstance(fixture, str):
        raise ControlError(400, "invalid_fixture", "fixture must be a fixture name or a file path")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ControlError(400, "invalid_seed", "seed must be an integer")
    with mock.lock:
        try:
            mock.reset(fixture, seed)
        except (FileNotFoundError, ValueError) as exc:
            raise ControlError(400, "invalid_fixture", str(exc)) from None
        return json_response({"status": "reset", "fixture": mock.fixture_name, "seed": mock.seed})


async def clock(request: Request) -> Response:
    mock = _mock(request)
    if request.method != "POST":
        with mock.lock:
            return json_response(clock_view(mock))
    body = await _json_object(request)
    with mock.lock:
        virtual = mock.clock
        if not isinstance(virtual, VirtualClock):
            raise ControlError(
                409, "wall_clock", "the wall clock cannot be moved; serve with --clock virtual"
            )
        extra = _move(mock, virtual, body)
        mock.engine.sync()
        return json_response({**clock_view(mock), **extra})


def _move(mock: MockState, clock: VirtualClock, body: dict[str, Any]) -> dict[str, Any]:
    if "advance" in body:
        seconds = body["advance"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ControlError(400, "invalid_advance", "advance must be a number of seconds >= 0")
        clock.advance(float(seconds))
        return {}
    if "to" in body:
        target = _moment(body["to"])
        if target < clock.now():
            raise ControlError(400, "clock_backwards", "the clock never moves backwards")
        clock.set(target)
        return {}
    if body.get("until_idle") is True:
        steps = 0
        while (due := mock.engine.next_due()) is not None and steps < UNTIL_IDLE_MAX_STEPS:
            if due > clock.now():
                clock.set(due)
            mock.engine.sync()
            steps += 1
        return {"idle": mock.engine.next_due() is None, "steps": steps}
    raise ControlError(
        400, "invalid_move", 'send {"advance": s}, {"to": "<ISO 8601>"} or {"until_idle": true}'
    )


def _moment(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ControlError(400, "invalid_time", "to must be an ISO 8601 time with an offset")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ControlError(400, "invalid_time", f"not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise ControlError(400, "invalid_time", "to needs a UTC offset, e.g. +08:00")
    return moment


def control_routes() -> list[BaseRoute]:
    return [
        Route("/__mock__/health", health, methods=["GET"]),
        Route("/__mock__/reset", reset, methods=["POST"]),
        Route("/__mock__/clock", clock, methods=["GET", "POST"]),
    ]


async def control_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ControlError)
    return json_response({"error": exc.error, "message": exc.message}, status=exc.status)
