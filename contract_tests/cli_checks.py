"""The suite's bk-sops checks, registered for `schemathesis run` (its hooks mechanism loads this).

    SCHEMATHESIS_HOOKS=contract_tests.cli_checks schemathesis run http://127.0.0.1:8000/openapi.json

Importing this module registers, with `@schemathesis.check`, the checks the suite adds to
schemathesis's own: the envelope rules (`trace_id_header`, `result_matches_code`,
`error_has_message_and_code`) and the bk-sops input rules (`invalid_input_refused`,
`valid_input_accepted`), which replace schemathesis's `negative_data_rejection` and
`positive_data_acceptance` for an API that refuses input with HTTP 200 and `result: false`.
Registration is process-wide, so the suite itself never imports this module: it runs the same
functions of `checks.py` through its own client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import schemathesis

from . import checks
from .client import Exchange
from .exchange import operation_of
from .target import Family, Request
from .wire import InputError, WireInput, input_errors, read_wire

# Path prefixes of the gateway and ESB families; anything else is read as the backend family.
GATEWAY_MARK = "/api/bk-sops/"
ESB_MARK = "/api/c/compapi/"


@dataclass
class _Answer:
    """A schemathesis response seen through the attributes `Exchange` reads."""

    status_code: int
    content: bytes
    headers: httpx.Headers


def family_of(path: str) -> Family:
    if GATEWAY_MARK in path:
        return "gateway"
    return "esb" if ESB_MARK in path else "backend"


def sent_request(prepared: Any) -> Request:
    """The request schemathesis sent, in the suite's own form."""
    url = urlsplit(str(prepared.url))
    query: dict[str, str | list[str]] = {
        name: values if len(values) > 1 else values[0]
        for name, values in parse_qs(url.query, keep_blank_values=True).items()
    }
    body = prepared.body
    raw = body.encode() if isinstance(body, str) else body
    return Request(
        method=str(prepared.method),
        path=url.path,
        query=query,
        headers={str(k): str(v) for k, v in prepared.headers.items()},
        has_body=raw is not None,
        body_bytes=raw,
    )


def exchange_of(response: schemathesis.Response, case: schemathesis.Case) -> Exchange:
    request = sent_request(response.request)
    # Lower-cased names with every value: looked up by any case, repeated values joined.
    headers = httpx.Headers(
        [(name, v) for name, values in response.headers.items() for v in values]
    )
    answer = _Answer(response.status_code, response.content, headers)
    return Exchange(operation_of(case), request, str(response.request.url), answer)


def judged_input(
    exchange: Exchange, case: schemathesis.Case
) -> tuple[WireInput, list[InputError]] | None:
    if exchange.op is None:
        return None
    ids = dict(case.path_parameters or {})
    wire = read_wire(exchange.op, family_of(exchange.request.path), exchange.request, ids)
    return wire, input_errors(exchange.op, wire)


def _fail_on(message: str | None) -> None:
    if message:
        raise AssertionError(message)


def _envelope(rule: Callable[[Exchange], str | None]) -> Callable[..., None]:
    def check(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any) -> None:
        _fail_on(rule(exchange_of(response, case)))

    check.__name__ = rule.__name__
    check.__doc__ = rule.__doc__
    return check


def _input(
    rule: Callable[[Exchange, WireInput, list[InputError]], str | None],
) -> Callable[..., None]:
    def check(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any) -> None:
        exchange = exchange_of(response, case)
        judged = judged_input(exchange, case)
        if judged is not None:
            _fail_on(rule(exchange, *judged))

    check.__name__ = rule.__name__
    check.__doc__ = rule.__doc__
    return check


trace_id_header = schemathesis.check(_envelope(checks.trace_id_header))
result_matches_code = schemathesis.check(_envelope(checks.result_matches_code))
error_has_message_and_code = schemathesis.check(_envelope(checks.error_has_message_and_code))
invalid_input_refused = schemathesis.check(_input(checks.invalid_input_refused))
valid_input_accepted = schemathesis.check(_input(checks.valid_input_accepted))

REGISTERED = (
    trace_id_header,
    result_matches_code,
    error_has_message_and_code,
    invalid_input_refused,
    valid_input_accepted,
)
