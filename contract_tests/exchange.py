"""One generated case, end to end: moved to the target's family, sent, judged by every check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas import validator
from schemas.operations import Operation, operation

from .checks import Failure, builtin_failures, envelope_failures, input_failures, ordered
from .client import ContractClient, Exchange
from .target import is_destructive
from .wire import InputError, WireInput, input_errors, read_wire

# What a generated body can be: a JSON value, or bytes (raw or deliberately broken). Anything
# else is schemathesis's "no body" marker, which its public API does not name.
JSON_BODY = (dict, list, str, int, float, bool, type(None))

# Tasks the suite creates are named with this prefix (when their generated name is valid): a
# user finds them on a real deployment, and counts can be narrowed to them.
NAME_PREFIX = "sops-contract "


@dataclass
class Judged:
    exchange: Exchange
    wire: WireInput
    errors: list[InputError]
    failures: list[Failure]


def named(op: Operation, body: Any) -> Any:
    """The body with a valid task name prefixed (an invalid one stays: it must be refused)."""
    if (
        not is_destructive(op)
        or not isinstance(body, dict)
        or not isinstance(body.get("name"), str)
    ):
        return body
    errors = validator(op.name, "request").iter_errors({"name": body["name"]})
    if any(list(error.absolute_path)[:1] == ["name"] for error in errors):
        return body
    return {**body, "name": (NAME_PREFIX + body["name"])[:100]}


def operation_of(case: Any) -> Operation:
    return operation(case.operation.definition.raw["operationId"])


def send_case(client: ContractClient, case: Any) -> tuple[Exchange, WireInput, list[InputError]]:
    """Send a schemathesis case through the suite's client, on the target's URL family."""
    op = operation_of(case)
    ids = dict(case.path_parameters or {})
    headers = {str(k): str(v) for k, v in (case.headers or {}).items()}
    body, has_body, raw = None, False, None
    value = case.body
    if isinstance(value, bytes | bytearray):
        has_body, raw = True, bytes(value)
    elif isinstance(value, JSON_BODY):
        has_body, body = True, named(op, value)
    if has_body:
        headers.setdefault("Content-Type", case.media_type or "application/json")
    request = client.target.route(
        op,
        case.method.upper(),
        ids,
        dict(case.query or {}),
        body,
        has_body,
        headers,
        raw,
    )
    exchange = client.send(request, op)
    wire = read_wire(op, client.target.family, exchange.request, ids)
    return exchange, wire, input_errors(op, wire)


def judge_case(client: ContractClient, case: Any) -> Judged:
    """Send `case` and run every check on the answer; failures come in report order."""
    exchange, wire, errors = send_case(client, case)
    failures = builtin_failures(case, exchange)
    failures += envelope_failures(exchange)
    failures += input_failures(exchange, wire, errors)
    return Judged(exchange, wire, errors, ordered(failures))


class ContractFailure(AssertionError):
    """A check failed; carries what the report shows."""

    def __init__(self, failure: Failure, curl: str) -> None:
        super().__init__(f"{failure.check}: {failure.message}\n\nReproduce with:\n    {curl}")
        self.failure = failure
        self.curl = curl
