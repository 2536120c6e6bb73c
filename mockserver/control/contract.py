"""The control API's contract at work: each call's body checked against its schema on the way
in, its answer (with response validation on) on the way out. The schemas and the table of
calls are data (schemas/control/); the OpenAPI document is generated from the same table.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from mockserver.envelope import json_response
from mockserver.jsondepth import MAX_CONTROL_DEPTH, MAX_STATE_DEPTH
from mockserver.state import MockState
from schemas.control_store import check, control_routes_table

from .base import ControlContractError, ControlError, guarded, read_json

# Bodies larger than this are checked in a worker thread (a 1 MiB list of rules takes seconds).
_INLINE_CHECK = 64 * 1024
# What a control handler returns: (status, JSON body), or a response it built itself.
Answer = tuple[int, Any] | Response


@dataclass(frozen=True)
class Ask:
    """One control call, its body already checked against the call's schema."""

    request: Request
    mock: MockState
    body: Any

    def path(self, name: str) -> Any:
        return self.request.path_params[name]


# A handler that must await something after its answer is made (a clock move's callbacks)
# returns an awaitable.
Handler = Callable[[Ask], Answer | Awaitable[Answer]]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class ControlOp:
    """One (path, method) of routes.json."""

    method: str
    path: str
    summary: str
    answers: Mapping[str, str]
    refusals: tuple[int, ...]
    body: str | None = None
    error: str = "invalid_body"
    errors: Mapping[str, str] | None = None
    query: str | None = None

    def error_for(self, field: str | None) -> str:
        """The error name of a refused body: by its first field, else the call's own."""
        if field is not None and self.errors:
            head = field.split(".")[0].split("[")[0]
            return self.errors.get(head, self.error)
        return self.error


@functools.cache
def control_ops() -> tuple[ControlOp, ...]:
    rows = control_routes_table()["routes"]
    return tuple(ControlOp(**{**row, "refusals": tuple(row.get("refusals", ()))}) for row in rows)


def check_answer(schema: str, status: int, body: Any) -> None:
    refusal = check(schema, body)
    if refusal is not None:
        raise ControlContractError(
            f"a control answer ({status}) breaks {schema}: {refusal.message}"
        )


def body_limit(mock: MockState, op: ControlOp) -> int:
    # A snapshot holds every task, so it may be larger than any other body.
    if op.body == "state/state":
        return mock.settings.max_state_bytes
    return mock.settings.max_body_bytes


def depth_limit(op: ControlOp) -> int:
    # A snapshot wraps what the other limits let in with levels of its own.
    return MAX_STATE_DEPTH if op.body == "state/state" else MAX_CONTROL_DEPTH


def endpoint(path: str, handlers: Mapping[str, Handler]) -> Endpoint:
    """One Starlette endpoint for every method of `path` (its routes.json form)."""
    ops = {op.method: op for op in control_ops() if op.path == path}
    if set(ops) != set(handlers):
        raise LookupError(f"{path}: routes.json has {sorted(ops)}, handlers {sorted(handlers)}")

    async def serve(request: Request) -> Response:
        mock = guarded(request)
        method = "GET" if request.method == "HEAD" else request.method  # Starlette adds HEAD
        op = ops[method]
        body = None
        if op.body is not None:
            body, size = await read_json(request, body_limit(mock, op), depth_limit(op))
            if size > _INLINE_CHECK:  # off the event loop: bk-sops calls keep being served
                refusal = await run_in_threadpool(check, op.body, body)
            else:
                refusal = check(op.body, body)
            if refusal is not None:
                error = op.error_for(refusal.field)
                raise ControlError(400, error, refusal.message, refusal.field)
        made = handlers[method](Ask(request, mock, body))
        answer = await made if inspect.isawaitable(made) else made
        if isinstance(answer, Response):
            return answer
        status, content = answer
        if mock.settings.validate_responses:
            schema = op.answers.get(str(status))
            if schema is None:
                raise ControlContractError(
                    f"{op.method} {op.path} answered an undocumented {status}"
                )
            check_answer(schema, status, content)
        return json_response(content, status=status)

    return serve
