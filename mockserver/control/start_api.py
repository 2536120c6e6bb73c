"""bk-sops's start queue over HTTP: its delay (scenario book), waiting and lost starts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mockserver.startqueue import read_delay

from .base import ControlError, guarded, json_object, ok


async def starts(request: Request) -> Response:
    """GET the queue; PUT {"delay": {"min": s, "max": s}} sets the delay of starts queued next."""
    mock = guarded(request)
    if request.method == "PUT":
        body = await json_object(request)
        if set(body) != {"delay"}:
            raise ControlError(400, "invalid_delay", 'send {"delay": {"min": s, "max": s}}')
        try:
            delay = read_delay(body["delay"])
        except ValueError as exc:
            raise ControlError(400, "invalid_delay", str(exc)) from None
        with mock.lock:
            mock.starts.delay = delay
    with mock.lock:
        mock.engine.sync()  # starts due by now run first
        return ok(mock.starts.to_dict(mock.tz))
