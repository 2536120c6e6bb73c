"""From an HTTP request to the parameters of one operation, the way bk-sops reads them.

GET parameters come from the query string (last value wins, as Django's QueryDict.get),
POST parameters from a JSON body (read whatever the Content-Type says, since the legacy SDK
sends none). Path ids win over body or query ids.
"""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request

from schemas.operations import Operation

from .errors import REQUEST_PARAM_INVALID, ApiError
from .jsondepth import too_deep

Family = Literal["backend", "gateway", "esb"]
# A request's headers by lower-case name, built once per request: Starlette's `Headers` scans
# the whole list on every lookup, and a request looks up half a dozen names.
HeaderMap = dict[bytes, bytes]


# Where the door (door.py), which reads every request's headers first, leaves the map.
HEADER_MAP_KEY = "sops_mock.header_map"


def header_map(request: Request) -> HeaderMap:
    """The request's headers; of a repeated header the first counts, as in Starlette's `get`."""
    known: HeaderMap | None = request.scope.get(HEADER_MAP_KEY)
    return known if known is not None else dict(reversed(request.scope["headers"]))


def header(headers: HeaderMap, name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1")


@dataclass
class RawInput:
    """What the request carried, before any bk-sops rule ran."""

    params: dict[str, Any]
    body_empty: bool
    # Set when the POST body was not a JSON object; bk-sops reports it once it reads `scope`.
    body_error: bool = False
    path_ids: dict[str, int] = field(default_factory=dict)


async def read_body(request: Request, limit: int, headers: HeaderMap | None = None) -> bytes:
    """The body, refused before parsing when it is larger than `limit` bytes.

    A declared Content-Length over the limit is refused before anything is read; a chunked
    body is counted as it arrives and refused at the piece that passes the limit. A client
    gone before the end raises Starlette's `ClientDisconnect`.
    """
    declared = header(headers if headers is not None else header_map(request), b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async with aclosing(request.stream()) as stream:
        async for chunk in stream:
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> ApiError:
    return ApiError(
        REQUEST_PARAM_INVALID,
        f"request body is larger than the limit of {limit} bytes",
        data=None,
    )


def parse(request: Request, op: Operation, body: bytes) -> RawInput:
    path_ids = {k: int(v) for k, v in request.path_params.items() if k in op.path_ids}
    if op.method == "GET":
        # Read as Starlette's QueryParams reads it (blank values kept), last value winning;
        # without building the multi-dict, which this request would use only once.
        query = request.scope["query_string"]
        params: dict[str, Any] = (
            dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True)) if query else {}
        )
        return RawInput(params, body_empty=True, path_ids=path_ids)
    if not body.strip():
        return RawInput({}, body_empty=True, path_ids=path_ids)
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return RawInput({}, body_empty=False, body_error=True, path_ids=path_ids)
    if not isinstance(parsed, dict) or too_deep(body, parsed):
        return RawInput({}, body_empty=False, body_error=True, path_ids=path_ids)
    return RawInput(parsed, body_empty=False, path_ids=path_ids)


def invalid_param_format() -> ApiError:
    """bk-sops's answer when the POST body cannot be read as a JSON object."""
    return ApiError(REQUEST_PARAM_INVALID, "invalid param format", trace=False)


def merged_ids(raw: RawInput, op: Operation) -> dict[str, int]:
    """Ids from the path, else (ESB) from the query or body; missing or malformed ones fail."""
    ids: dict[str, int] = {}
    for name in op.path_ids:
        if name in raw.path_ids:
            ids[name] = raw.path_ids[name]
            continue
        value = raw.params.get(name)
        ids[name] = _id_value(name, value)
    return ids


def _id_value(name: str, value: Any) -> int:
    if value is None or value == "":
        raise ApiError(REQUEST_PARAM_INVALID, f"{name} is required", data=None)
    if isinstance(value, bool):
        raise ApiError(REQUEST_PARAM_INVALID, f"{name} must be an integer, got {value!r}")
    if isinstance(value, int) and value >= 0:
        return value
    # 7.0 is an integer to JSON Schema (and the id schemas say "integer"), so it reads as 7.
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise ApiError(
        REQUEST_PARAM_INVALID, f"{name} must be a non-negative integer, got {value!r}", data=None
    )
