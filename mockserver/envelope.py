"""JSON answers: serialisation, the trace-id header, and the success envelopes of bk-sops."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

TRACE_HEADER = "Sops-Trace-Id"
TRACE_HEADER_RAW = TRACE_HEADER.lower().encode("latin-1")


def json_response(
    body: Any,
    *,
    trace_id: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    out = Response(orjson.dumps(body), status_code=status, media_type="application/json")
    if trace_id is not None:  # what `out.headers[...] =` does for a new header, cheaper
        out.raw_headers.append((TRACE_HEADER_RAW, trace_id.encode("latin-1")))
    for key, value in (headers or {}).items():
        out.headers[key] = value
    return out


def ok(data: Any, trace_id: str, **extra: Any) -> dict[str, Any]:
    """The success body most operations give: result, data, code and trace_id, in that order."""
    body: dict[str, Any] = {"result": True, "data": data, "code": 0}
    body.update(extra)
    body["trace_id"] = trace_id
    return body
