"""Health, reset and the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver import outbound
from mockserver.state import MockState
from simulator import VirtualClock

from .base import ControlError, guarded, json_object, ok

# Bounds of "run until idle", so a flow that loops forever cannot hang the server.
UNTIL_IDLE_MAX_STEPS = 100_000
# The virtual clock stays well inside what datetime can add to (year 9999).
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def clock_view(mock: MockState) -> dict[str, Any]:
    return {
        "now": mock.clock.now().astimezone(mock.tz).isoformat(),
        "mode": mock.settings.clock,
        "speed": mock.settings.speed,
    }


async def health(request: Request) -> Response:
    mock = guarded(request)
    with mock.lock:
        return ok(
            {"status": "ok", "fixture": mock.fixture_name, "seed": mock.seed, **clock_view(mock)}
        )


async def reset(request: Request) -> Response:
    mock = guarded(request)
    body = await json_object(request)
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
        return ok({"status": "reset", "fixture": mock.fixture_name, "seed": mock.seed})


async def clock(request: Request) -> Response:
    mock = guarded(request)
    if request.method != "POST":
        with mock.lock:
            return ok(clock_view(mock))
    body = await json_object(request)
    with mock.lock:
        virtual = mock.clock
        if not isinstance(virtual, VirtualClock):
            raise ControlError(
                409, "wall_clock", "the wall clock cannot be moved; serve with --clock virtual"
            )
        extra = _move(mock, virtual, body)
        mock.engine.sync()
        answer = {**clock_view(mock), **extra}
    # Callbacks that fell due on the way are made before the answer (outbound/pump.py).
    await outbound.drain(mock)
    return ok(answer)


def _move(mock: MockState, clock: VirtualClock, body: dict[str, Any]) -> dict[str, Any]:
    if "advance" in body:
        seconds = body["advance"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ControlError(400, "invalid_advance", "advance must be a number of seconds >= 0")
        if seconds > (LATEST - clock.now()).total_seconds():
            raise ControlError(400, "invalid_advance", f"the clock stops at {LATEST.isoformat()}")
        clock.advance(float(seconds))
        return {}
    if "to" in body:
        target = moment(body["to"], "to")
        if target < clock.now():
            raise ControlError(400, "clock_backwards", "the clock never moves backwards")
        if target > LATEST:
            raise ControlError(400, "invalid_time", f"the clock stops at {LATEST.isoformat()}")
        clock.set(target)
        return {}
    if body.get("until_idle") is True:
        steps = 0
        while (due := _next_due(mock)) is not None and steps < UNTIL_IDLE_MAX_STEPS:
            if due > clock.now():
                clock.set(due)
            mock.engine.sync()
            steps += 1
        return {"idle": _next_due(mock) is None, "steps": steps}
    raise ControlError(
        400, "invalid_move", 'send {"advance": s}, {"to": "<ISO 8601>"} or {"until_idle": true}'
    )


def _next_due(mock: MockState) -> datetime | None:
    """The engine's next due work, or a queued start's, whichever comes first."""
    found = [d for d in (mock.engine.next_due(), mock.starts.next_due()) if d is not None]
    return min(found, default=None)


def moment(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise ControlError(400, "invalid_time", f"{name} must be an ISO 8601 time with an offset")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ControlError(400, "invalid_time", f"not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise ControlError(400, "invalid_time", f"{name} needs a UTC offset, e.g. +08:00")
    return parsed
