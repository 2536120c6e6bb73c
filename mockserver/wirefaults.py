"""How an injected fault reaches the wire: error answers, and connections closed unanswered.

ASGI has no message for "close without answering": an app that raises or returns without a
response gets a 500 from uvicorn. So the servers sops-mock starts wrap the app in
`ExposeTransport`, which hands the connection's transport down in the scope; `DropResponse`
closes it (a FIN, or an RST with SO_LINGER 0) and lets the loop run the connection-lost
callback, so uvicorn sees a disconnected client and sends nothing. Where no transport is
reachable (in-process test clients), the drop raises `ConnectionDropped` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from schemas.operations import Operation

from .envelope import TRACE_HEADER, json_response
from .errors import ApiError
from .faults import Decision, Fault, default_message
from .inbound import Family, RawInput, parse, read_body
from .journal import request_entry

if TYPE_CHECKING:
    from .call import Call
    from .state import MockState

TRANSPORT_KEY: Final = "sops_mock.transport"


class ConnectionDropped(ConnectionError):
    """A drop fault fired where the connection could not be reached (an in-process client)."""


class ExposeTransport:
    """Outermost ASGI wrapper: puts the server's transport in the scope when it can find it.

    uvicorn's `send` is a bound method of the request cycle, which holds the transport; other
    servers simply leave the key out and drops fall back to `ConnectionDropped`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            # Duck-typed: uvloop's transports are not asyncio.BaseTransport subclasses.
            if callable(getattr(transport, "close", None)):
                scope[TRANSPORT_KEY] = transport
        await self.app(scope, receive, send)


class DropResponse(Response):
    """Sends nothing and closes the connection; `reset` makes the close an RST."""

    def __init__(self, reset: bool) -> None:
        super().__init__(b"", status_code=500)
        self.reset = reset

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = scope.get(TRANSPORT_KEY)
        if transport is None:
            raise ConnectionDropped("sops-mock dropped the connection (injected fault)")
        if self.reset:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.close()
        # The connection-lost callback is scheduled by close(); yielding lets it run before the
        # app returns, so the server records a disconnect instead of answering 500.
        for _ in range(3):
            await asyncio.sleep(0)


def fault_response(fault: Fault, trace_id: str, rule_id: str) -> Response:
    if fault.kind == "app_error":
        message = fault.message or default_message(rule_id)
        body = ApiError(fault.code, message, data=None).body(trace_id)
        return json_response(body, trace_id=trace_id)
    if fault.kind == "http_error":
        headers = {TRACE_HEADER: trace_id}
        if fault.body is None:
            text = _phrase(fault.status)
            return Response(text, fault.status, headers=headers, media_type="text/plain")
        return json_response(fault.body, status=fault.status, trace_id=trace_id)
    return DropResponse(reset=fault.kind == "reset")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def injected(
    request: Request,
    op: Operation,
    family: Family,
    mock: MockState,
    arrival: tuple[int, datetime, str],
    decision: Decision,
    ran: tuple[RawInput | None, Call | None, Any] | None = None,
) -> Response:
    """Answer a request whose fault fired, and journal it.

    `ran` is what the pipeline parsed and answered when the operation already ran (an
    `applied` fault); the journal then keeps the operation's own result and code (a dropped
    create_task that did create a task says so). Otherwise the operation does not run and the
    body is read here for the journal.
    """
    seq, arrived, trace_id = arrival
    assert decision.fault is not None and decision.rule is not None
    raw, call, done = ran if ran is not None else (None, None, None)
    if ran is None:
        # A body too large to read leaves the journal with what the URL says.
        with contextlib.suppress(ApiError):
            raw = parse(request, op, await read_body(request, mock.settings.max_body_bytes))
    response = fault_response(decision.fault, trace_id, decision.rule)
    dropped = isinstance(response, DropResponse)
    body = orjson.loads(response.body) if decision.fault.kind == "app_error" else done
    status = 0 if dropped else response.status_code
    if mock.journal.enabled:
        entry = request_entry(
            request, seq, arrived, op.name, family, raw, call, status, body, trace_id, decision
        )
        with mock.lock:
            mock.journal.add(entry)
    return response
