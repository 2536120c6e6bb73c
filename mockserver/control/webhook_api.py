"""callback_url webhooks over HTTP: each task's record and every delivery with its attempts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .base import ControlError, guarded, ok, query_int


async def webhooks(request: Request) -> Response:
    mock = guarded(request)
    unknown = sorted(set(request.query_params) - {"task_id"})
    if unknown:
        raise ControlError(400, "invalid_filter", f"unknown filter {unknown[0]!r}")
    task_id = query_int(request.query_params, "task_id")
    with mock.lock:
        records, deliveries = mock.outbox.of_task(task_id)
        return ok(
            {
                "records": [r.to_dict(mock.tz) for r in records],
                "deliveries": [d.to_dict(mock.tz) for d in deliveries],
                "hosts": list(mock.settings.webhook_hosts),
            }
        )
