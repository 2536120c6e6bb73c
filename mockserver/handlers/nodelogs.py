"""get_task_node_log and get_node_job_executed_log: the logs of one node of a task.

Both are DRF views in bk-sops (`api_view`, no return_json_response): their answers carry no
`trace_id`, and the success bodies have no `code` (gcloud/apigw/log_auth.py for the checks).
"""

from __future__ import annotations

from typing import Any

from mockserver.call import Call
from mockserver.errors import CONTENT_NOT_EXIST, REQUEST_PARAM_INVALID, ApiError
from mockserver.handlers.registry import operation_handler
from mockserver.state import MockState
from simulator import NodeDetail
from simulator.nodelog import job_hosts, job_log, plain_log

from .taskref import knows_node, project_task

# get_job_instance_log's failure when JOB does not know the instance (handle_api_error's text)
JOB_STATUS_FAILED = (
    "调用作业平台(JOB)接口jobv3.get_job_instance_status返回失败, "
    "error=job instance [{job}] does not exist, params={params}"
)


def _refused(message: str, code: int) -> ApiError:
    return ApiError(code, message, trace=False)


def _node(call: Call, mock: MockState) -> NodeDetail:
    """log_auth's get_taskflow_for_log and validate_task_node, in that order."""
    view, project = call.name, call.require_project()
    task = project_task(call, mock)
    if task is None:
        raise _refused(
            f"[API] {view} task[id={call.ids['task_id']}] of project[project_id="
            f"{project.project_id}, biz_id={project.bk_biz_id}] does not exist",
            CONTENT_NOT_EXIST,
        )
    node_id = call.params.get("node_id")
    if not node_id:
        raise _refused(f"[API] {view} node_id is required", REQUEST_PARAM_INVALID)
    if not knows_node(mock, task, node_id):
        raise _refused(
            f"[API] {view} task[id={task.id}] does not have node[{node_id}]", CONTENT_NOT_EXIST
        )
    return mock.engine.node_detail(task.id, str(node_id))


@operation_handler
def get_task_node_log(call: Call, mock: MockState) -> dict[str, Any]:
    detail = _node(call, mock)
    version = call.params.get("version")
    text = plain_log(detail, version if isinstance(version, str) else None, mock.tz)
    # The DATABASE log source (bk-sops's default) ignores page and page_size: page is {}.
    return {"result": True, "message": "success", "data": text, "page": {}}


@operation_handler
def get_node_job_executed_log(call: Call, mock: MockState) -> dict[str, Any]:
    detail = _node(call, mock)
    if detail.type != "ServiceActivity" or detail.state is None:
        raise _refused(
            f"[API] {call.name} execution data not found for node_id: {detail.id}",
            CONTENT_NOT_EXIST,
        )
    job = detail.outputs.get("job_inst_id")
    biz = call.require_project().bk_biz_id
    if not isinstance(job, int) or isinstance(job, bool):
        params = (
            f'{{"bk_scope_type": "biz", "bk_scope_id": "{biz}", "bk_biz_id": {biz}, '
            f'"job_instance_id": {"null" if job is None else job!r}, "return_ip_result": true}}'
        )
        return _job_failed(JOB_STATUS_FAILED.format(job=job, params=params))
    hosts = job_hosts(job)
    target = call.params.get("target_ip")
    if target:
        if target not in hosts:
            return _job_failed(
                f"执行历史请求失败: IP:[{target}], 不属于IP列表: [{','.join(hosts)}]"
                " | get_job_instance_log"
            )
        return {"result": True, "message": "success", "logs": job_log(job, target)}
    # get_job_instance_log reads one host per step: the first one without target_ip.
    return {"result": True, "message": "success", "logs": job_log(job, hosts[0])}


def _job_failed(message: str) -> dict[str, Any]:
    # fetch_node_job_executed_log's failure: no code, logs "" (the view returns it as is).
    return {"result": False, "message": message, "logs": ""}
