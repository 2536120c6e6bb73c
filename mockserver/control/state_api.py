"""Snapshots over HTTP: GET the whole state as JSON, PUT one back."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from mockserver.jsondepth import MAX_STATE_DEPTH
from mockserver.snapshot import SnapshotError, copy_state, restore_state

from .base import ControlError, guarded, json_body, ok


async def state(request: Request) -> Response:
    mock = guarded(request)
    if request.method in ("GET", "HEAD"):  # Starlette routes HEAD with GET
        with mock.lock:
            copy = copy_state(mock)
        # Built and sent outside the lock, a piece at a time (snapshot.py, StateCopy).
        return StreamingResponse(copy.chunks(), media_type="application/json")
    snapshot = await json_body(request, MAX_STATE_DEPTH)
    with mock.lock:
        try:
            restore_state(mock, snapshot)
        except SnapshotError as exc:
            raise ControlError(400, "invalid_state", str(exc)) from None
        now = mock.clock.now().astimezone(mock.tz).isoformat()
        tasks = len(mock.engine.tasks())
        body = {"status": "restored", "fixture": mock.fixture_name, "seed": mock.seed}
        return ok({**body, "now": now, "tasks": tasks})
