"""JsonAnswer builds the same status, headers and body as Starlette's own Response."""

from __future__ import annotations

import pytest
from starlette.responses import Response

from mockserver.envelope import TRACE_HEADER, json_response


@pytest.mark.parametrize("status", [200, 400, 404, 429, 503, 204, 304, 101])
@pytest.mark.parametrize("trace_id", [None, "0123456789abcdef0123456789abcdef"])
def test_json_answer_matches_starlettes_response(status, trace_id):
    body = {"result": True, "data": ["任务", 1, None], "code": 0}
    ours = json_response(body, trace_id=trace_id, status=status)
    theirs = Response(ours.body, status_code=status, media_type="application/json")
    if trace_id is not None:
        theirs.headers[TRACE_HEADER] = trace_id
    assert (ours.status_code, ours.raw_headers, ours.body) == (
        theirs.status_code,
        theirs.raw_headers,
        theirs.body,
    )


def test_extra_headers_are_added_after_the_trace_id():
    out = json_response({}, trace_id="t", status=401, headers={"X-Bkapi-Error-Code": "1"})
    names = [name for name, _ in out.raw_headers]
    assert names == [b"content-length", b"content-type", b"sops-trace-id", b"x-bkapi-error-code"]
    assert out.headers["content-length"] == "2"
