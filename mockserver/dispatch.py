"""The life of one bk-sops request, in the order bk-sops's decorators run.

body limit -> credentials (gateway) -> parameters -> ids -> project -> the operation's handler;
then the answer is rendered, validated against the response schema when asked, and sent with
its trace id. This is the one place errors turn into answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

import schemas
import simulator.errors as sim
from schemas.operations import Operation

from . import auth, outbound, planted
from .answer_cache import RULES as CACHE_RULES
from .call import Call
from .envelope import json_response
from .errors import CONTENT_NOT_EXIST, ApiError, GatewayError, from_domain
from .faults.shapes import DEAD_WORKER
from .handlers import HANDLERS
from .iam.interceptors import before_view
from .inbound import (
    Family,
    HeaderMap,
    RawInput,
    header,
    header_map,
    invalid_param_format,
    merged_ids,
    parse,
    read_body,
)
from .journal import request_entry
from .language import language_of
from .state import MockState
from .wirefaults import injected

Endpoint = Callable[[Request], Awaitable[Response]]
CLIENT_CLOSED = 499


class ResponseContractError(AssertionError):
    """The mock was about to send a body its own response schema rejects: a bug in the mock."""


def endpoint(op: Operation, family: Family) -> Endpoint:
    handler = HANDLERS[op.name]
    cache_rule = CACHE_RULES.get(op.name)

    async def serve(request: Request) -> Response:
        mock: MockState = request.app.state.mock
        if mock.settings.planted_faults:  # the contract suite's self-test only
            return await planted.serve(request, op, mock.settings.planted_faults, answer)
        return await answer(request)

    async def answer(request: Request) -> Response:
        mock: MockState = request.app.state.mock
        head = header_map(request)
        with mock.lock:
            trace_id = header(head, b"traceparent") or mock.next_trace_id()
            seq, arrived = mock.next_request(), mock.clock.now()
            chaos = mock.faults.decide(op.name, arrived) if mock.faults.active else None
        lost = False  # a dead worker: the call runs and answers, a start it queues never runs
        if chaos is not None:
            if chaos.latency:
                await mock.sleep(chaos.latency)
            lost = chaos.fault is not None and chaos.fault.kind == DEAD_WORKER
            if chaos.fault is not None and not chaos.fault.applied and not lost:
                return await injected(request, op, family, mock, (seq, arrived, trace_id), chaos)
        status, body, headers = 200, None, {}
        raw: RawInput | None = None
        call: Call | None = None
        try:
            if _bodiless(request, head):  # most GETs: nothing to read or to hold to the limit
                raw_body = b""
            else:
                raw_body = await read_body(request, mock.settings.max_body_bytes, head)
            with mock.lock:
                raw = parse(request, op, raw_body)
                call = _call(request, head, op, family, raw, mock, trace_id)
                if lost:
                    call.lost_start = True
                before_view(call, mock)  # bk-sops's IAM interceptor, for an untrusted app
                try:
                    if cache_rule is None:
                        body = handler(call, mock)
                    else:
                        body = mock.caches.serve(cache_rule, call, mock, handler)
                except sim.SimulatorError as exc:
                    body = from_domain(op.name, exc, {**call.ids, **call.extra}).body(trace_id)
        except ApiError as exc:
            body = exc.body(trace_id)
        except GatewayError as exc:
            status, body, headers = exc.status, exc.body(), auth.error_headers(exc)
        except ClientDisconnect:
            # Gone before its body arrived: nothing ran and nobody is left to answer. The
            # status, nginx's "client closed request", is what the access log shows.
            return Response(status_code=CLIENT_CLOSED)
        if mock.settings.validate_responses and status == 200:
            _check_response(op.name, body)
        if chaos is not None and chaos.fault is not None and not lost:  # `applied`: it ran
            arrival = (seq, arrived, trace_id)
            return await injected(request, op, family, mock, arrival, chaos, (raw, call, body))
        if mock.journal.enabled:
            entry = request_entry(
                request, seq, arrived, op.name, family, raw, call, status, body, trace_id, chaos
            )
            with mock.local_lock:  # the journal is each process's own (store/lock.py)
                mock.journal.add(entry)
        response = json_response(body, trace_id=trace_id, status=status, headers=headers)
        if mock.outbox.watching:  # callback_url webhooks (outbound/): any fallen due?
            outbound.after_request(mock, response)
        return response

    serve.__name__ = op.name
    return serve


def _call(
    request: Request,
    head: HeaderMap,
    op: Operation,
    family: Family,
    raw: RawInput,
    mock: MockState,
    trace_id: str,
) -> Call:
    creds = auth.credentials(header(head, auth.HEADER_RAW), raw.params)
    identity = auth.authenticate(mock.settings.auth, creds, mock.catalog)
    if raw.body_error:
        raise invalid_param_format()
    ids = merged_ids(raw, op)
    project = None
    if "bk_biz_id" in ids:
        scope = raw.params.get("scope", "cmdb_biz")
        project = mock.catalog.project(ids["bk_biz_id"], scope)
        if project is None:
            raise ApiError(
                CONTENT_NOT_EXIST,
                f"project({ids['bk_biz_id']}) with scope({scope}) does not exist.",
                trace=False,
            )
    return Call(
        op=op,
        family=family,
        params=raw.params,
        ids=ids,
        body_empty=raw.body_empty,
        project=project,
        identity=identity,
        language=language_of(request, head),
        trace_id=trace_id,
        default_tz=mock.tz,
    )


def _bodiless(request: Request, head: HeaderMap) -> bool:
    """A GET that announces no body (HTTP/1.1: neither Content-Length nor Transfer-Encoding)."""
    if request.method != "GET":
        return False
    return b"content-length" not in head and b"transfer-encoding" not in head


def _check_response(op: str, body: Any) -> None:
    failure = schemas.validate(op, "response", body)
    if failure is not None:
        raise ResponseContractError(f"{op} answered a body its schema rejects: {failure}")
