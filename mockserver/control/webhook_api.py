"""callback_url webhooks over HTTP: each task's record and every delivery with its attempts."""

from __future__ import annotations

from .base import ControlError, query_int
from .contract import Answer, Ask


def webhooks(ask: Ask) -> Answer:
    mock, query = ask.mock, ask.request.query_params
    unknown = sorted(set(query) - {"task_id"})
    if unknown:
        raise ControlError(400, "invalid_filter", f"unknown filter {unknown[0]!r}", unknown[0])
    task_id = query_int(query, "task_id")
    with mock.lock:
        records, deliveries = mock.outbox.of_task(task_id)
        return 200, {
            "records": [r.to_dict(mock.tz) for r in records],
            "deliveries": [d.to_dict(mock.tz) for d in deliveries],
            "hosts": list(mock.settings.webhook_hosts),
        }
