"""Health, reset and the clock."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

from mockserver import outbound
from mockserver.faults.rules import CLOCK_LIMIT
from mockserver.state import MockState
from simulator import VirtualClock

from .base import ControlError
from .contract import Answer, Ask

# Bounds of "run until idle", so a flow that loops forever cannot hang the server.
UNTIL_IDLE_MAX_STEPS = 100_000


def clock_view(mock: MockState) -> dict[str, Any]:
    return {
        "now": mock.clock.now().astimezone(mock.tz).isoformat(),
        "mode": mock.settings.clock,
        "speed": mock.settings.speed,
    }


def health(ask: Ask) -> Answer:
    mock = ask.mock
    with mock.lock:
        view = {"status": "ok", "fixture": mock.fixture_name, "seed": mock.seed}
        return 200, {**view, **clock_view(mock)}


def reset(ask: Ask) -> Answer:
    mock, body = ask.mock, ask.body or {}
    with mock.lock:
        try:
            mock.reset(body.get("fixture"), body.get("seed"))
        except (OSError, ValueError) as exc:
            raise ControlError(400, "invalid_fixture", str(exc), "fixture") from None
        return 200, {"status": "reset", "fixture": mock.fixture_name, "seed": mock.seed}


def read_clock(ask: Ask) -> Answer:
    with ask.mock.lock:
        return 200, clock_view(ask.mock)


def move_clock(ask: Ask) -> Awaitable[Answer]:
    mock, body = ask.mock, ask.body
    with mock.lock:
        virtual = mock.clock
        if not isinstance(virtual, VirtualClock):
            raise ControlError(
                409, "wall_clock", "the wall clock cannot be moved; serve with --clock virtual"
            )
        extra = _move(mock, virtual, body)
        mock.engine.sync()
        answer = {**clock_view(mock), **extra}
    return _drained(mock, answer)


async def _drained(mock: MockState, answer: dict[str, Any]) -> Answer:
    # Callbacks that fell due on the way are made before the answer (outbound/pump.py).
    await outbound.drain(mock)
    return 200, answer


def _move(mock: MockState, clock: VirtualClock, body: dict[str, Any]) -> dict[str, Any]:
    """Exactly one of advance, to, until_idle (the schema says so); nothing moves on a refusal."""
    now = clock.now()
    if "advance" in body:
        target = now + timedelta(seconds=body["advance"])
        _within_limit(target, "advance")
        clock.set(target)
        return {}
    if "to" in body:
        try:
            target = datetime.fromisoformat(body["to"])
        except ValueError:  # the schema's pattern let it through; the calendar did not (Feb 30)
            raise ControlError(
                400, "invalid_time", f"to: not a date: {body['to']!r}", "to"
            ) from None
        if target < now:
            raise ControlError(400, "clock_backwards", "the clock never moves backwards", "to")
        _within_limit(target, "to")
        clock.set(target)
        return {}
    steps = 0
    while (due := _next_due(mock)) is not None and steps < UNTIL_IDLE_MAX_STEPS:
        if due >= CLOCK_LIMIT:
            break  # work parked beyond the clock's end never comes due
        if due > clock.now():
            clock.set(due)
        mock.engine.sync()
        steps += 1
    return {"idle": _next_due(mock) is None, "steps": steps}


def _next_due(mock: MockState) -> datetime | None:
    """The engine's next due work, or a queued start's, whichever comes first."""
    found = [d for d in (mock.engine.next_due(), mock.starts.next_due()) if d is not None]
    return min(found, default=None)


def _within_limit(target: datetime, field: str) -> None:
    if target >= CLOCK_LIMIT:
        raise ControlError(
            400, "clock_limit", f"the clock stays before {CLOCK_LIMIT.isoformat()}", field
        )
