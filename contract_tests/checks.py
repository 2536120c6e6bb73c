"""The checks applied to every answer: schemathesis's built-ins plus the bk-sops envelope rules.

Each check returns nothing when the answer passes and a `Failure` when it does not. The order of
`CHECK_ORDER` is the order of the report: the first failure of a case is the one it shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from schemathesis import Response
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.errors import FailureGroup

import schemas
from schemas.codes import (
    CONTENT_NOT_EXIST,
    DOCUMENTED_CODES,
    INVALID_OPERATION,
    REQUEST_PARAM_INVALID,
    SUCCESS,
    UNKNOWN_ERROR,
    VALIDATION_ERROR,
)

from .client import Exchange
from .target import TRACE_HEADER
from .wire import InputError, WireInput

# The codes bk-sops answers invalid input with (the project lookup runs before validation).
REFUSAL_CODES = frozenset({REQUEST_PARAM_INVALID, CONTENT_NOT_EXIST})
# Fields whose invalid values bk-sops refuses with another code, from schemas/PROVENANCE.md.
OTHER_REFUSALS: dict[tuple[str, str], frozenset[int]] = {
    # Choice 20: a missing or unknown action is "task command is invalid".
    ("operate_task", "action"): frozenset({INVALID_OPERATION}),
    # Choice 23: conditions go to the database unchecked, which fails on some values (3599999).
    ("query_task_count", "conditions"): frozenset({UNKNOWN_ERROR}),
    # Reference section 4: operate_node forces its result code to 0 or 3599999.
    ("operate_node", "action"): frozenset({UNKNOWN_ERROR}),
    ("operate_node", "node_id"): frozenset({UNKNOWN_ERROR}),
    # flow_id is never checked: the node lookup or the engine answers first (3599999).
    ("operate_node", "flow_id"): frozenset({UNKNOWN_ERROR}),
    # The node views check subprocess_stack and the node before loop; get_task_node_data and
    # a bad subprocess_stack of get_task_node_detail answer 3599999.
    ("get_task_node_detail", "node_id"): frozenset({UNKNOWN_ERROR}),
    ("get_task_node_detail", "loop"): frozenset({UNKNOWN_ERROR}),
    ("get_task_node_data", "node_id"): frozenset({UNKNOWN_ERROR}),
    ("get_task_node_data", "loop"): frozenset({UNKNOWN_ERROR}),
    # Choice 32: the create-time form is checked first (3546100), then paging values are read
    # by int() and refused as a pagination error (3545000).
    ("get_task_list", "limit"): frozenset({INVALID_OPERATION, VALIDATION_ERROR}),
    ("get_task_list", "offset"): frozenset({INVALID_OPERATION, VALIDATION_ERROR}),
    # Excluded ids and versions are looked up: anything else fails the preview (3599999).
    ("preview_task_tree", "exclude_task_nodes_id"): frozenset({UNKNOWN_ERROR}),
    ("preview_task_tree", "version"): frozenset({UNKNOWN_ERROR}),
    ("preview_common_task_tree", "exclude_task_nodes_id"): frozenset({UNKNOWN_ERROR}),
    ("preview_common_task_tree", "version"): frozenset({UNKNOWN_ERROR}),
    # PROVENANCE N1: every failure inside task_claim answers 3599999.
    ("claim_functionalization_task", "constants"): frozenset({UNKNOWN_ERROR}),
    ("claim_functionalization_task", "name"): frozenset({UNKNOWN_ERROR}),
    # The periodic views pass a cron, constants or enabled value that the model layer (celery's
    # crontab, dict methods, Django's BooleanField) refuses on as str(e) with 3599999.
    ("create_periodic_task", "cron"): frozenset({UNKNOWN_ERROR}),
    ("create_periodic_task", "exclude_task_nodes_id"): frozenset({UNKNOWN_ERROR}),
    ("modify_cron_for_periodic_task", "cron"): frozenset({UNKNOWN_ERROR}),
    ("modify_constants_for_periodic_task", "constants"): frozenset({UNKNOWN_ERROR}),
    ("set_periodic_task_enabled", "enabled"): frozenset({UNKNOWN_ERROR}),
}
# Views that may refuse any request before they read its body: create_periodic_task counts
# the project's periodic tasks first (a limit of 50, 3545000).
OPERATION_REFUSALS: dict[str, frozenset[int]] = {
    "create_periodic_task": frozenset({INVALID_OPERATION}),
}
# Parameters a decorator checks before the view validates the rest (reference section 0.5):
# when present, their own refusal may answer a request that is invalid elsewhere.
EARLIER_REFUSALS = {"expected_timezone": VALIDATION_ERROR}
# Fields bk-sops does not check at all (choice 23): an invalid value there may also be accepted.
# modify_constants_for_task's view never reads `name` (it reaches the view on a task whose
# start still waits in the queue).
UNCHECKED_FIELDS = frozenset(
    {
        ("query_task_count", "conditions"),
        ("operate_node", "flow_id"),
        ("modify_constants_for_task", "name"),
    }
)
# Well-typed input bk-sops refuses with 3540000 by rules no request schema can hold: fields that
# exclude each other, references to data that does not exist (reference/bk-sops-api.md 2.3).
SEMANTIC_REFUSALS = (
    re.compile(r"^template_schemes_id can not be used with "),
    re.compile(r"^(unknown|duplicate) template_schemes_id: "),
    # A number such as 14891.0 is an integer to JSON Schema, not to bk-sops's isinstance(int)
    # (task_node_selector); older schemathesis generates such numbers.
    re.compile(r"^invalid template_schemes_id: all items must be non-empty strings or positive "),
    # Section 4: node_callback on a node the task lacks; modify_constants_for_task once started.
    re.compile(r"^task\[\d+\] does not have node\["),
    re.compile(r"^task is (started|finished)$"),
    # Section 4 views the mock grew in issue 8 (schemas/PROVENANCE.md choices 28-44): a node
    # the task lacks, JSON inside a text parameter, a caller's tree that breaks the tree rules,
    # constants that may not change, and a JSON body these views require even when no body
    # field is required.
    re.compile(r"^节点状态请求失败: 任务\[ID: \d+\]中未找到节点\[ID: .*\| get_node_detail$"),
    re.compile(r"^subprocess_stack is not a valid array json$"),
    re.compile(r"^\[API\] fast_create_task get invalid (pipeline_tree|template_id): "),
    re.compile(r"^任务参数设置失败: "),
    re.compile(r"^(request body is not a valid json|invalid json format)$"),
)
ROUTE_REFUSALS = frozenset({404, 405})

BUILTIN_CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
CHECK_ORDER = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "trace_id_header",
    "result_matches_code",
    "error_has_message_and_code",
    "response_headers_conformance",
    "response_schema_conformance",
    "invalid_input_refused",
    "valid_input_accepted",
    "lifecycle",
)


@dataclass(frozen=True)
class Failure:
    check: str
    message: str


def _json_object(exchange: Exchange) -> dict[str, Any] | None:
    body = exchange.body()
    return body if isinstance(body, dict) else None


def _is_gateway_error(body: dict[str, Any] | None) -> bool:
    return body is not None and "code_name" in body


def _is_json(exchange: Exchange) -> bool:
    return (exchange.header("content-type") or "").startswith("application/json")


def trace_id_header(exchange: Exchange) -> str | None:
    """Every JSON answer of bk-sops carries Sops-Trace-Id, equal to the body's trace_id."""
    body = _json_object(exchange)
    if not _is_json(exchange) or _is_gateway_error(body):
        return None
    header = exchange.header(TRACE_HEADER)
    if not header:
        return f"the answer has no {TRACE_HEADER} header"
    if body is not None and "trace_id" in body and body["trace_id"] != header:
        return (
            f"body trace_id {body['trace_id']!r} differs from the {TRACE_HEADER} header {header!r}"
        )
    return None


def result_matches_code(exchange: Exchange) -> str | None:
    """`result` is true exactly when `code` is 0."""
    body = _json_object(exchange)
    if exchange.status != 200 or body is None or "result" not in body or "code" not in body:
        return None
    if (body["result"] is True) != (body["code"] == SUCCESS):
        return f"result is {body['result']!r} but code is {body['code']!r}"
    return None


def error_has_message_and_code(exchange: Exchange) -> str | None:
    """`result: false` comes with a non-empty message and a documented code."""
    body = _json_object(exchange)
    if exchange.status != 200 or body is None or body.get("result") is not False:
        return None
    message = body.get("message")
    if not message or (isinstance(message, str) and not message.strip()):
        return f"result is false without a message (code {body.get('code')!r})"
    if "code" not in body and set(body) == {"result", "message", "logs"}:
        return None  # get_node_job_executed_log passes JOB's failure on without a code (N7)
    if body.get("code") not in DOCUMENTED_CODES:
        return f"result is false with the undocumented code {body.get('code')!r}"
    return None


def _answer(exchange: Exchange) -> str:
    body = _json_object(exchange)
    if body is None:
        return f"HTTP {exchange.status} (no JSON object)"
    text = str(body.get("message", ""))[:120]
    return (
        f"HTTP {exchange.status} result={body.get('result')!r} code={body.get('code')!r} {text!r}"
    )


def invalid_input_refused(
    exchange: Exchange, wire: WireInput, errors: list[InputError]
) -> str | None:
    """Invalid input gets result false with 3540000/3540400, or 404/405 when the route is wrong."""
    if not wire.route_ok:
        if exchange.status in ROUTE_REFUSALS:
            return None
        return f"a request that cannot reach the view got {_answer(exchange)} instead of 404/405"
    if not errors:
        return None
    body = _json_object(exchange)
    if not wire.carried_credentials and exchange.status in (400, 401, 403) and body is not None:
        return None  # no credentials could ride in a broken body: the gateway refuses first
    op = exchange.op.name if exchange.op else ""
    allowed = set(REFUSAL_CODES)
    fields = {(op, error.field.split(".")[0]) for error in errors}
    for field in fields:
        allowed |= OTHER_REFUSALS.get(field, frozenset())
    allowed |= OPERATION_REFUSALS.get(op, frozenset())
    allowed |= {code for name, code in EARLIER_REFUSALS.items() if name in (wire.params or {})}
    accepted = exchange.status == 200 and body is not None and body.get("result") is True
    if accepted and fields <= UNCHECKED_FIELDS:
        return None
    refused = exchange.status == 200 and body is not None and body.get("result") is False
    if refused and body is not None and body.get("code") in allowed:
        return None
    first = errors[0]
    return (
        f"invalid input ({first.field}: {first.message}) got {_answer(exchange)}; "
        f"expected result false with code {sorted(allowed)}"
    )


def valid_input_accepted(
    exchange: Exchange, wire: WireInput, errors: list[InputError]
) -> str | None:
    """Valid input is never refused as invalid (3540000) nor by the gateway (HTTP 4xx)."""
    if not wire.route_ok or errors:
        return None
    body = _json_object(exchange)
    if 400 <= exchange.status < 500:
        return f"valid input was refused: {_answer(exchange)}"
    refused = exchange.status == 200 and body is not None and body.get("result") is False
    if refused and body is not None and body.get("code") == REQUEST_PARAM_INVALID:
        message = body.get("message")
        if isinstance(message, str) and any(rule.match(message) for rule in SEMANTIC_REFUSALS):
            return None
        return f"valid input was refused as invalid: {_answer(exchange)}"
    return None


def envelope_failures(exchange: Exchange) -> list[Failure]:
    found = []
    for check in (trace_id_header, result_matches_code, error_has_message_and_code):
        message = check(exchange)
        if message:
            found.append(Failure(check.__name__, message))
    return found


def input_failures(exchange: Exchange, wire: WireInput, errors: list[InputError]) -> list[Failure]:
    found = []
    for check in (invalid_input_refused, valid_input_accepted):
        message = check(exchange, wire, errors)
        if message:
            found.append(Failure(check.__name__, message))
    return found


def builtin_failures(case: Any, exchange: Exchange) -> list[Failure]:
    """Schemathesis's own checks of the answer against the OpenAPI document."""
    response = Response.from_any(exchange.response)
    try:
        case.validate_response(response, checks=list(BUILTIN_CHECKS))
    except FailureGroup:
        pass  # run them one by one to name the check behind each failure
    else:
        return []
    found = []
    for check in BUILTIN_CHECKS:
        try:
            case.validate_response(response, checks=[check])
        except FailureGroup as group:
            text = "; ".join(_failure_text(failure) for failure in group.exceptions)
            found.append(Failure(check.__name__, text))
    return found


def _failure_text(failure: Any) -> str:
    message = str(getattr(failure, "message", "") or "").strip()
    title = str(getattr(failure, "title", "") or type(failure).__name__)
    return f"{title}: {message[:600]}" if message else title


def schema_failures(exchange: Exchange) -> list[Failure]:
    """The response-schema check for hand-made calls (no schemathesis case)."""
    body = exchange.body()
    if exchange.op is None:
        return []
    if exchange.status == 200:
        failure = schemas.validate(exchange.op.name, "response", body)
    elif 400 <= exchange.status < 500 and _is_json(exchange):
        error = schemas.common_validator("gateway_error").iter_errors(body)
        first = next(iter(error), None)
        return [] if first is None else [Failure("response_schema_conformance", first.message)]
    else:
        return [Failure("not_a_server_error", f"HTTP {exchange.status}")]
    if failure is None:
        return []
    return [Failure("response_schema_conformance", f"{failure.path}: {failure.message}")]


def ordered(failures: Iterable[Failure]) -> list[Failure]:
    rank = {name: index for index, name in enumerate(CHECK_ORDER)}
    return sorted(failures, key=lambda failure: rank.get(failure.check, len(rank)))


Judge = Callable[[Exchange], list[Failure]]
