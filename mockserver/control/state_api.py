"""Snapshots over HTTP: GET the whole state as JSON, PUT one back (checked, then installed)."""

from __future__ import annotations

from starlette.responses import StreamingResponse

from mockserver.snapshot import SnapshotError, copy_state, restore_state

from .base import ControlError
from .contract import Answer, Ask


def read_state(ask: Ask) -> Answer:
    mock = ask.mock
    with mock.lock:
        copy = copy_state(mock)
    if mock.settings.validate_responses:
        return 200, copy.to_dict()  # checked whole against its schema by the endpoint
    # Built and sent outside the lock, a piece at a time (snapshot.py, StateCopy).
    return StreamingResponse(copy.chunks(), media_type="application/json")


def restore(ask: Ask) -> Answer:
    mock = ask.mock
    with mock.lock:
        try:
            restore_state(mock, ask.body)
        except SnapshotError as exc:
            raise ControlError(400, "invalid_state", str(exc)) from None
        now = mock.clock.now().astimezone(mock.tz).isoformat()
        tasks = len(mock.engine.tasks())
        body = {"status": "restored", "fixture": mock.fixture_name, "seed": mock.seed}
        return 200, {**body, "now": now, "tasks": tasks}
