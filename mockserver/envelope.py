"""JSON answers: serialisation, the trace-id header, and the success envelopes of bk-sops."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

TRACE_HEADER = "Sops-Trace-Id"
TRACE_HEADER_RAW = TRACE_HEADER.lower().encode("latin-1")


class JsonAnswer(Response):
    """A JSON response with its raw headers built directly, in the order Starlette builds them.

    Starlette's `init_headers` works through the general case (caller headers, text charsets,
    bodiless statuses) on every answer; a JSON answer of the mock never needs it.
    """

    media_type = "application/json"

    def __init__(self, content: bytes, status_code: int, trace_id: str | None) -> None:
        self.status_code = status_code
        self.background = None
        self.body = content
        if status_code < 200 or status_code in (204, 304):  # bodiless statuses, as Starlette
            self.raw_headers = [(b"content-type", b"application/json")]
        else:
            self.raw_headers = [
                (b"content-length", b"%d" % len(content)),
                (b"content-type", b"application/json"),
            ]
        if trace_id is not None:
            self.raw_headers.append((TRACE_HEADER_RAW, trace_id.encode("latin-1")))


def json_response(
    body: Any,
    *,
    trace_id: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    out = JsonAnswer(orjson.dumps(body), status, trace_id)
    if headers:
        for key, value in headers.items():
            out.headers[key] = value
    return out


def ok(data: Any, trace_id: str, **extra: Any) -> dict[str, Any]:
    """The success body most operations give: result, data, code and trace_id, in that order."""
    body: dict[str, Any] = {"result": True, "data": data, "code": 0}
    body.update(extra)
    body["trace_id"] = trace_id
    return body
