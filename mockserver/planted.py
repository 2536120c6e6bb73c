"""Deliberate contract defects, switched on by `Settings.planted_faults`, for the suite's self-test.

The contract suite must prove it can fail: its self-test serves the mock with one of these
faults and asserts the suite reports it. They are never on in normal use; with an empty set the
dispatcher does not even call in here. Each fault breaks one promise of the bk-sops contract:

    missing_field         get_template_list items lose the required `name`
    wrong_type            get_template_info answers its template `id` as a string
    enum_value            get_task_status shows a state outside the enum (lower case)
    result_code_mismatch  application errors say `result: true` next to their 35xxxxx code
    server_error          get_template_list answers HTTP 500 when `name_keyword` is sent
    illegal_transition    operate_task accepts what the engine refuses (e.g. revoke a FINISHED task)
    time_format           every time is rendered ISO 8601 ("2026-01-05T10:00:00+08:00")
    missing_trace_id      answers lose their Sops-Trace-Id header
    accept_invalid        get_template_list answers a parameter error with an empty success
    refuse_valid          query_task_count refuses group_by=category as a parameter error
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Final

import orjson
from starlette.requests import Request
from starlette.responses import Response

from schemas.codes import INVALID_OPERATION, REQUEST_PARAM_INVALID, UNKNOWN_ERROR
from schemas.operations import Operation

from .envelope import TRACE_HEADER

PLANTED_FAULTS: Final = frozenset(
    {
        "missing_field",
        "wrong_type",
        "enum_value",
        "result_code_mismatch",
        "server_error",
        "illegal_transition",
        "time_format",
        "missing_trace_id",
        "accept_invalid",
        "refuse_valid",
    }
)
# bk-sops's "%Y-%m-%d %H:%M:%S %z".
_BK_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})$")

Answer = Callable[[Request], Awaitable[Response]]


def check_names(faults: frozenset[str]) -> None:
    """Refuse a fault name this module does not know (a typo would silently plant nothing)."""
    unknown = sorted(faults - PLANTED_FAULTS)
    if unknown:
        raise ValueError(f"unknown planted faults {unknown}; known: {sorted(PLANTED_FAULTS)}")


async def serve(
    request: Request, op: Operation, faults: frozenset[str], answer: Answer
) -> Response:
    """Answer `request` with `answer`, then break the answer as the planted faults say."""
    check_names(faults)
    # Starlette keeps the body it read: the answer's own read gets the same bytes.
    raw = await request.body()
    params = _params(request, op, raw)
    if "server_error" in faults and op.name == "get_template_list" and "name_keyword" in params:
        return Response(b"Internal Server Error", status_code=500, media_type="text/plain")
    if "refuse_valid" in faults and op.name == "query_task_count" and _groups_by_category(params):
        return _rebuilt(
            await answer(request),
            lambda body: {
                "result": False,
                "message": "[API] query_task_list params group_by[category] is invalid",
                "code": REQUEST_PARAM_INVALID,
                "trace_id": body.get("trace_id", ""),
            },
        )
    response = await answer(request)
    body = _json(response)
    if body is not None:
        changed = _break_body(op, faults, body)
        if changed is not None:
            response = _rebuilt(response, lambda _: changed)
    if "missing_trace_id" in faults and TRACE_HEADER.lower() in response.headers:
        del response.headers[TRACE_HEADER]
    return response


def _groups_by_category(params: dict[str, Any]) -> bool:
    return params.get("group_by") == "category"


def _params(request: Request, op: Operation, raw: bytes) -> dict[str, Any]:
    if op.method == "GET":
        return dict(request.query_params)
    try:
        parsed = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _json(response: Response) -> dict[str, Any] | None:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        parsed = orjson.loads(bytes(response.body))
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _missing_field(op: Operation, body: dict[str, Any]) -> Any:
    data = body.get("data")
    if op.name == "get_template_list" and body.get("result") is True and isinstance(data, list):
        return {**body, "data": [_without(item, "name") for item in data]} if data else None
    return None


def _wrong_type(op: Operation, body: dict[str, Any]) -> Any:
    data = body.get("data")
    if op.name != "get_template_info" or not isinstance(data, dict):
        return None
    if isinstance(data.get("id"), int):
        return {**body, "data": {**data, "id": str(data["id"])}}
    return None


def _enum_value(op: Operation, body: dict[str, Any]) -> Any:
    data = body.get("data")
    if op.name != "get_task_status" or not isinstance(data, dict):
        return None
    if isinstance(data.get("state"), str):
        return {**body, "data": {**data, "state": data["state"].lower()}}
    return None


def _illegal_transition(op: Operation, body: dict[str, Any]) -> Any:
    refused = body.get("result") is False and body.get("code") in (UNKNOWN_ERROR, INVALID_OPERATION)
    if op.name == "operate_task" and refused:
        return {"result": True, "message": "success", "code": 0, "trace_id": body.get("trace_id")}
    return None


def _accept_invalid(op: Operation, body: dict[str, Any]) -> Any:
    if op.name == "get_template_list" and body.get("code") == REQUEST_PARAM_INVALID:
        return {"result": True, "data": [], "code": 0, "trace_id": body.get("trace_id", "")}
    return None


def _result_code_mismatch(op: Operation, body: dict[str, Any]) -> Any:
    return {**body, "result": True} if body.get("result") is False else None


def _time_format(op: Operation, body: dict[str, Any]) -> Any:
    return _iso_times(body) if body.get("result") is True else None


# In the order they are tried: the first that applies to an answer breaks it.
BODY_FAULTS: Final[tuple[tuple[str, Callable[[Operation, dict[str, Any]], Any]], ...]] = (
    ("missing_field", _missing_field),
    ("wrong_type", _wrong_type),
    ("enum_value", _enum_value),
    ("illegal_transition", _illegal_transition),
    ("accept_invalid", _accept_invalid),
    ("result_code_mismatch", _result_code_mismatch),
    ("time_format", _time_format),
)


def _break_body(op: Operation, faults: frozenset[str], body: dict[str, Any]) -> Any:
    """The broken body, or None when no fault applies to this answer."""
    for name, fault in BODY_FAULTS:
        if name in faults and (changed := fault(op, body)) is not None:
            return changed
    return None


def _without(item: Any, key: str) -> Any:
    return {k: v for k, v in item.items() if k != key} if isinstance(item, dict) else item


def _iso_times(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _iso_times(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_iso_times(value) for value in node]
    if isinstance(node, str) and (match := _BK_TIME.match(node)):
        day, clock, hours, minutes = match.groups()
        return f"{day}T{clock}{hours}:{minutes}"
    return node


def _rebuilt(response: Response, change: Callable[[dict[str, Any]], Any]) -> Response:
    body = _json(response) or {}
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(orjson.dumps(change(body)), status_code=response.status_code, headers=headers)
