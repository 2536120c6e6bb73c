"""Errors of the HTTP shell, and the one place that turns any error into a bk-sops answer.

    MockError
    ├── ApiError        an application error: HTTP 200, result false, a 35xxxxx code
    └── GatewayError    an API-gateway error: HTTP 4xx, result false, a 16xxxxx code

Domain errors raised by the simulator are mapped here, per operation, to the code and message
that bk-sops gives for the same case (see reference/bk-sops-api.md); handlers never catch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

import simulator.errors as sim
from schemas import bksops_params

# The codes live in schemas.codes, shared with the contract suite; named here for the handlers.
from schemas.codes import CONTENT_NOT_EXIST as CONTENT_NOT_EXIST
from schemas.codes import DOCUMENTED_CODES as DOCUMENTED_CODES
from schemas.codes import INVALID_OPERATION as INVALID_OPERATION
from schemas.codes import OPERATION_FAIL as OPERATION_FAIL
from schemas.codes import REQUEST_FORBIDDEN_INVALID as REQUEST_FORBIDDEN_INVALID
from schemas.codes import REQUEST_PARAM_INVALID as REQUEST_PARAM_INVALID
from schemas.codes import SUCCESS as SUCCESS
from schemas.codes import UNKNOWN_ERROR as UNKNOWN_ERROR
from schemas.codes import VALIDATION_ERROR as VALIDATION_ERROR
from simulator.taskdata import ConstantsLocked

_MISSING = object()


class MockError(Exception):
    """Base of the errors this package raises."""


@dataclass
class ApiError(MockError):
    """An application error, answered with HTTP 200 in the bk-sops envelope.

    `trace` says whether bk-sops puts `trace_id` in the body (only view-level answers have it);
    `data` is the value of the `data` key, or absent when bk-sops leaves the key out.
    """

    code: int
    message: str | dict[str, Any]
    trace: bool = True
    data: Any = _MISSING

    def body(self, trace_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {"result": False}
        if self.data is not _MISSING:
            out["data"] = self.data
        out["message"] = self.message
        out["code"] = self.code
        if self.trace:
            out["trace_id"] = trace_id
        return out

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass
class GatewayError(MockError):
    """An error the BlueKing API gateway answers before bk-sops is reached."""

    status: int
    code_name: str
    code: int
    message: str

    def body(self) -> dict[str, Any]:
        return {
            "code_name": self.code_name,
            "data": None,
            "code": self.code,
            "message": self.message,
            "result": False,
        }

    def __str__(self) -> str:
        return f"{self.status} {self.code_name}: {self.message}"


def invalid_args(reason: str) -> GatewayError:
    return GatewayError(400, "INVALID_ARGS", 1640001, f'Parameters error [reason="{reason}"]')


def params_invalid(op: str, params: dict[str, Any]) -> ApiError | None:
    """What bk-sops answers when its own parameter schema refuses `params`, or None.

    The message is the whole multi-line text of jsonschema's error, as bk-sops formats it.
    """
    text = bksops_params.error_text(op, params)
    return None if text is None else ApiError(REQUEST_PARAM_INVALID, text)


def invalid_json_body(text: Callable[[str, str], str]) -> ApiError:
    """request_validate's own answer to a body that is not JSON (no trace_id, data null);
    `text` picks the request language's words (Call.text)."""
    return ApiError(
        REQUEST_PARAM_INVALID,
        text(
            "非法请求: 数据错误, 请求不是合法的Json格式 | validate",
            "Illegal request: data error, the request is not in legal Json format | validate",
        ),
        trace=False,
        data=None,
    )


def web_tree_refused(op: str, reason: str) -> ApiError:
    """A wrong web tree: create_task's view answers it (3599999, trace_id), fast_create_task's
    validator answers it through request_validate (3540000, data null, no trace_id)."""
    text = f"[API] {op} get invalid pipeline_tree: {reason}"
    if op == "fast_create_task":
        return ApiError(REQUEST_PARAM_INVALID, text, trace=False, data=None)
    return ApiError(UNKNOWN_ERROR, text)


def api_not_found(method: str, path: str) -> GatewayError:
    return GatewayError(
        404, "API_NOT_FOUND", 1640401, f'API not found [method="{method}" path="{path}"]'
    )


def does_not_exist(text: str) -> ApiError:
    """The answer of bk-sops's ObjectDoesNotExist middleware (its message is not translated)."""
    return ApiError(
        CONTENT_NOT_EXIST,
        f"数据不存在错误: 数据不存在错误, 错误内容 {text} | process_exception",
        trace=False,
        data=None,
    )


# What bamboo raises when a lookup finds no record (RecordMissing.record), named as a
# traceback's last line names it: Django's per-model DoesNotExist, or bamboo's NotFoundError.
MISSING_RECORD_ERRORS = {
    "Node": "pipeline.eri.models.Node.DoesNotExist",
    "State": "pipeline.eri.models.State.DoesNotExist",
    "Schedule": "pipeline.eri.models.Schedule.DoesNotExist",
    "Data": "bamboo_engine.exceptions.NotFoundError",
    "Pipeline": "bamboo_engine.exceptions.NotFoundError",
}


def engine_failure(exc: BaseException) -> ApiError:
    """An engine call that failed: bk-sops sends `fail: ` and the Python traceback text.

    The mock has no bamboo-engine frames to show, so it says so and keeps the last line,
    which is what clients match on: the exception's module-qualified class (builtins bare),
    then `: ` and its text unless that is empty, as Python's traceback module writes it.
    """
    if isinstance(exc, sim.RecordMissing):
        kind = MISSING_RECORD_ERRORS[exc.record]
    elif isinstance(exc, sim.InvalidOperation):
        kind = "bamboo_engine.exceptions.InvalidOperationError"
    elif isinstance(exc, sim.IllegalTransition):
        kind = "RuntimeError"  # bamboo-pipeline's set_state raises a bare RuntimeError
    else:
        kind = type(exc).__name__
    text = str(exc)
    last_line = f"{kind}: {text}" if text else kind
    return ApiError(
        UNKNOWN_ERROR,
        "fail: Traceback (most recent call last):\n"
        "  (bamboo-engine frames are not simulated by sops-mock)\n"
        f"{last_line}",
    )


# Per-operation mapping of domain errors. Each entry receives the error and the ids of the
# call, and returns the answer bk-sops gives there.
DomainMapper = Callable[[sim.SimulatorError, dict[str, Any]], ApiError]


def _task_missing_middleware(exc: sim.SimulatorError, ids: dict[str, Any]) -> ApiError:
    return does_not_exist(f"TaskFlowInstance(id={ids.get('task_id')}) does not exist.")


def _task_missing_query(exc: sim.SimulatorError, ids: dict[str, Any]) -> ApiError:
    return does_not_exist("TaskFlowInstance matching query does not exist.")


def _status_missing(exc: sim.SimulatorError, ids: dict[str, Any]) -> ApiError:
    return ApiError(
        UNKNOWN_ERROR,
        f"task[id={ids.get('task_id')}] get status error: "
        "TaskFlowInstance matching query does not exist.",
    )


def _create_failure(exc: sim.SimulatorError, ids: dict[str, Any]) -> ApiError:
    return ApiError(UNKNOWN_ERROR, f"[API] create_task create pipeline without tree error: {exc}")


def _already_started(exc: sim.SimulatorError, ids: dict[str, Any]) -> ApiError:
    return ApiError(INVALID_OPERATION, "task already started")


def _not_started(exc: sim.SimulatorError, ids: dict[str, Any]) -> ApiError:
    return ApiError(INVALID_OPERATION, "task not started")


def _engine(exc: sim.SimulatorError, ids: dict[str, Any]) -> ApiError:
    return engine_failure(exc)


def _bad_condition(exc: sim.SimulatorError, ids: dict[str, Any]) -> ApiError:
    return ApiError(
        UNKNOWN_ERROR,
        f"query taskflow params conditions[{ids.get('conditions')}] "
        f"have invalid key or value: {exc}",
    )


def _constants_locked(exc: sim.SimulatorError, ids: dict[str, Any]) -> ApiError:
    assert isinstance(exc, ConstantsLocked)
    # bk-sops's text (an f-string inside gettext, so never translated); the first list holds
    # pre-rendered constants, which only a started task has.
    return ApiError(
        REQUEST_PARAM_INVALID,
        f"任务参数设置失败: 常量、输出参数 []、隐藏变量 {exc.hidden}, 不可修改值, "
        f"输出为 {exc.outputs}. 请检查变量配置 | set_task_constants",
    )


def _as_text(exc: sim.SimulatorError, ids: dict[str, Any]) -> ApiError:
    return ApiError(UNKNOWN_ERROR, str(exc))


DOMAIN_ERRORS: dict[tuple[str, type[sim.SimulatorError]], DomainMapper] = {
    ("create_task", sim.ExcludeNodeError): _create_failure,
    ("create_task", sim.InvalidTree): _create_failure,
    ("start_task", sim.TaskNotFound): _task_missing_middleware,
    ("start_task", sim.TaskAlreadyStarted): _already_started,
    ("operate_task", sim.TaskNotFound): _task_missing_query,
    ("operate_task", sim.TaskAlreadyStarted): _already_started,
    ("operate_task", sim.TaskNotStarted): _not_started,
    ("operate_task", sim.IllegalTransition): _engine,
    ("operate_task", sim.InvalidOperation): _engine,
    ("get_task_status", sim.TaskNotFound): _status_missing,
    ("query_task_count", sim.InvalidCondition): _bad_condition,
    ("operate_node", sim.InvalidOperation): _engine,
    ("operate_node", sim.RecordMissing): _engine,
    ("operate_node", sim.IllegalTransition): _engine,
    ("node_callback", sim.InvalidOperation): _engine,
    ("node_callback", sim.RecordMissing): _engine,
    ("node_callback", sim.IllegalTransition): _engine,
    ("create_and_start_task", sim.ExcludeNodeError): lambda exc, ids: ApiError(
        UNKNOWN_ERROR, str(exc)
    ),
    ("create_and_start_task", sim.InvalidTree): lambda exc, ids: ApiError(UNKNOWN_ERROR, str(exc)),
    ("fast_create_task", sim.InvalidTree): lambda exc, ids: ApiError(
        REQUEST_PARAM_INVALID,
        f"[API] fast_create_task get invalid pipeline_tree: {exc}",
        trace=False,
        data=None,
    ),
    ("preview_task_tree", sim.ExcludeNodeError): lambda exc, ids: ApiError(
        UNKNOWN_ERROR, f"preview_task_tree fail: {exc}"
    ),
    ("modify_constants_for_task", sim.TaskAlreadyStarted): lambda exc, ids: ApiError(
        REQUEST_PARAM_INVALID, "task is started"
    ),
    ("modify_constants_for_task", ConstantsLocked): _constants_locked,
    ("preview_common_task_tree", sim.ExcludeNodeError): lambda exc, ids: ApiError(
        UNKNOWN_ERROR, f"preview_common_task_tree fail: {exc}"
    ),
    # task_claim raises the dispatcher's message inside its transaction: always 3599999
    ("claim_functionalization_task", ConstantsLocked): lambda exc, ids: ApiError(
        UNKNOWN_ERROR, str(_constants_locked(exc, ids).message)
    ),
    # The periodic views catch every exception of the create / modify call and send str(e).
    ("create_periodic_task", sim.ExcludeNodeError): _as_text,
    ("create_periodic_task", sim.InvalidTree): _as_text,
    ("create_periodic_task", sim.InvalidCron): _as_text,
    ("modify_cron_for_periodic_task", sim.InvalidCron): _as_text,
}


def from_domain(op: str, exc: sim.SimulatorError, ids: dict[str, Any]) -> ApiError:
    """The bk-sops answer to a domain error raised while serving `op`."""
    for klass in type(exc).__mro__:
        mapper = DOMAIN_ERRORS.get((op, klass))
        if mapper is not None:
            return mapper(exc, ids)
    # No specific rule: bk-sops reports unexpected engine outcomes as UNKNOWN_ERROR with text.
    return ApiError(UNKNOWN_ERROR, f"{type(exc).__name__}: {exc}")


def store_unavailable(exc: Exception) -> Response:
    """The answer while the mock's store (--store) cannot be read or written.

    Not a bk-sops answer: bk-sops's own database failing gives a 500 page. The mock says what
    is wrong instead, as a 503 a client may retry; the app goes back to the store's state on
    its next request (store/__init__.py).
    """
    from .envelope import json_response

    body = {"result": False, "code": 503, "data": None, "message": f"sops-mock: {exc}"}
    return json_response(body, status=503, headers={"Retry-After": "1"})
