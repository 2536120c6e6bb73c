"""claim_functionalization_task: a common_func task is claimed before it may start.

bk-sops (gcloud/apigw/views/claim_functionalization_task.py, TaskFlowInstance.task_claim and
FunctionTask.claim_task) sets the name and constants, marks the claim and moves current_flow
from "func_claim" to "execute_task"; every failure of the model answers 3599999.
"""

from __future__ import annotations

from typing import Any

from mockserver.call import Call
from mockserver.envelope import ok
from mockserver.errors import REQUEST_PARAM_INVALID, UNKNOWN_ERROR, ApiError
from mockserver.handlers.registry import operation_handler
from mockserver.state import MockState
from simulator.taskdata import set_task_constants

from .taskref import project_task

# task_claim's texts (the second is an f-string inside gettext, so it is never translated)
NOT_FUNCTIONAL = "任务认领失败: 仅职能化任务才能认领, 请检查任务类型 | task_claim"
WRONG_FLOW = "任务认领失败: 仅职能化任务才能认领, 当前任务类型: {flow}, 请检查任务类型 | task_claim"


@operation_handler
def claim_functionalization_task(call: Call, mock: MockState) -> dict[str, Any]:
    if call.body_empty:
        raise ApiError(REQUEST_PARAM_INVALID, "request body is not a valid json")
    constants = call.params.get("constants", {})
    name = call.params.get("name", "")
    task = project_task(call, mock)
    if task is None:
        raise ApiError(
            UNKNOWN_ERROR,
            "claim_functionalization_task fail: TaskFlowInstance matching query does not exist.",
        )
    if task.flow_type != "common_func":
        raise ApiError(UNKNOWN_ERROR, NOT_FUNCTIONAL)
    if task.current_flow != "func_claim":
        raise ApiError(UNKNOWN_ERROR, WRONG_FLOW.format(flow=task.current_flow))
    if not isinstance(constants, dict):
        # bk-sops fails inside its transaction on a non-object (HTTP 200, 3599999, a Python text)
        raise ApiError(UNKNOWN_ERROR, "constants must be an object")
    if name and not isinstance(name, str):
        raise ApiError(UNKNOWN_ERROR, "name must be a string")
    set_task_constants(mock.engine, task.id, constants)  # ConstantsLocked: nothing changed
    mock.engine.claim_task(task.id, call.identity.username, name or "")
    return ok("success", call.trace_id)
