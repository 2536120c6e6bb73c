"""The operation table: one row per bk-sops operation, from which routes and the OpenAPI come.

Adding an operation means a schema folder `schemas/<name>/`, a row here, a handler of the same
name marked `@operation_handler` in mockserver/handlers/, and tests (CONTRIBUTING.md).

Path ids are listed in the order the backend path carries them (`/apigw/<name>/{id1}/{id2}/`),
which is not always the same order: create_task has {template_id}/{bk_biz_id},
get_task_node_data {bk_biz_id}/{task_id}.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Method = Literal["GET", "POST"]


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: values of one answer that feed the parameters of another operation."""

    name: str
    operation: str
    parameters: tuple[tuple[str, str], ...]
    description: str = ""


@dataclass(frozen=True)
class Operation:
    """One bk-sops operation as the backend serves it."""

    name: str
    method: Method
    path_ids: tuple[str, ...]
    summary: str
    links: tuple[Link, ...] = ()
    on_gateway: bool = True

    def path(self, prefix: str = "/apigw") -> str:
        """The path template under `prefix`, e.g. /apigw/get_task_status/{task_id}/{bk_biz_id}/."""
        ids = "".join(f"/{{{name}}}" for name in self.path_ids)
        return f"{prefix}/{self.name}{ids}/"

    @property
    def params_in(self) -> Literal["query", "body"]:
        """Where the parameters that are not path ids travel."""
        return "query" if self.method == "GET" else "body"


def _task_links(description: str) -> tuple[Link, ...]:
    """Links from an answer carrying a new task id to the operations that act on a task.

    Node ids reach the GET node views through the task tree's start event (a node every task
    has); body fields cannot be linked, so operate_node and node_callback get the task only.
    """
    parameters = (
        ("task_id", "$response.body#/data/task_id"),
        ("bk_biz_id", "$request.path.bk_biz_id"),
    )
    node = (*parameters, ("node_id", "$response.body#/data/pipeline_tree/start_event/id"))
    return (
        Link("StartTask", "start_task", parameters, description),
        Link("OperateTask", "operate_task", parameters, description),
        Link("GetTaskStatus", "get_task_status", parameters, description),
        Link("GetTaskDetail", "get_task_detail", parameters, description),
        Link("GetTaskNodeDetail", "get_task_node_detail", node, description),
        Link("GetTaskNodeData", "get_task_node_data", node, description),
        Link("OperateNode", "operate_node", parameters, description),
        Link("NodeCallback", "node_callback", parameters, description),
        Link("ModifyConstantsForTask", "modify_constants_for_task", parameters, description),
        Link("ClaimFunctionalizationTask", "claim_functionalization_task", parameters, description),
        Link("GetTaskOperateRecord", "get_task_operate_record", parameters, description),
        Link("GetTaskNodeLog", "get_task_node_log", node, description),
    )


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="get_template_list",
        method="GET",
        path_ids=("bk_biz_id",),
        summary="List the templates of a project (or the common templates)",
    ),
    Operation(
        name="get_template_info",
        method="GET",
        path_ids=("template_id", "bk_biz_id"),
        summary="Get one template with its pipeline tree",
    ),
    Operation(
        name="create_task",
        method="POST",
        path_ids=("template_id", "bk_biz_id"),
        summary="Create a task from a template (the task is not started)",
        links=_task_links("The task just created, in the same project."),
    ),
    Operation(
        name="start_task",
        method="POST",
        path_ids=("task_id", "bk_biz_id"),
        summary="Queue the start of a task",
    ),
    Operation(
        name="operate_task",
        method="POST",
        path_ids=("task_id", "bk_biz_id"),
        summary="Start, pause, resume or revoke a task",
    ),
    Operation(
        name="get_task_status",
        method="GET",
        path_ids=("task_id", "bk_biz_id"),
        summary="Get the state of a task and of the nodes it has reached",
    ),
    Operation(
        name="query_task_count",
        method="POST",
        path_ids=("bk_biz_id",),
        summary="Count the tasks of a project, grouped by status, category, flow type or origin",
        on_gateway=False,
    ),
    # Beyond the 2018 doc: what clients of today's bk-sops also call.
    Operation(
        name="operate_node",
        method="POST",
        path_ids=("bk_biz_id", "task_id"),
        summary="Retry, skip, call back, pause or resume one node of a task",
    ),
    Operation(
        name="node_callback",
        method="POST",
        path_ids=("task_id", "bk_biz_id"),
        summary="Call back a node that waits (pause, approval)",
    ),
    Operation(
        name="get_task_detail",
        method="GET",
        path_ids=("task_id", "bk_biz_id"),
        summary="Get a task with its tree, constants and outputs",
    ),
    Operation(
        name="get_task_node_detail",
        method="GET",
        path_ids=("task_id", "bk_biz_id"),
        summary="Get one node's state, inputs, outputs, failure and earlier runs",
    ),
    Operation(
        name="get_task_node_data",
        method="GET",
        path_ids=("bk_biz_id", "task_id"),
        summary="Get one node's inputs, outputs and failure",
    ),
    Operation(
        name="get_tasks_status",
        method="POST",
        path_ids=("bk_biz_id",),
        summary="Get the state of up to 50 tasks of a project",
    ),
    Operation(
        name="get_task_list",
        method="GET",
        path_ids=("bk_biz_id",),
        summary="List the tasks of a project, newest first, filtered and paged",
    ),
    Operation(
        name="create_and_start_task",
        method="POST",
        path_ids=("template_id", "bk_biz_id"),
        summary="Create a task from a template and queue its start",
        links=_task_links("The task just created and started, in the same project."),
    ),
    Operation(
        name="fast_create_task",
        method="POST",
        path_ids=("bk_biz_id",),
        summary="Create a one-off task from a pipeline tree (not started)",
        links=_task_links("The task just created, in the same project."),
    ),
    Operation(
        name="get_common_template_list",
        method="GET",
        path_ids=(),
        summary="List the common templates",
        links=(
            Link(
                "GetCommonTemplateInfo",
                "get_common_template_info",
                (("template_id", "$response.body#/data/0/id"),),
                "The newest common template.",
            ),
        ),
    ),
    Operation(
        name="get_common_template_info",
        method="GET",
        path_ids=("template_id",),
        summary="Get one common template with its pipeline tree",
    ),
    Operation(
        name="get_user_project_list",
        method="GET",
        path_ids=(),
        summary="List the projects the calling user may view",
        links=(
            Link(
                "GetUserProjectDetail",
                "get_user_project_detail",
                (("bk_biz_id", "$response.body#/data/0/bk_biz_id"),),
                "The first project, by its CMDB business id.",
            ),
        ),
    ),
    Operation(
        name="get_user_project_detail",
        method="GET",
        path_ids=("bk_biz_id",),
        summary="Get a project and its CMDB business",
    ),
    Operation(
        name="preview_task_tree",
        method="POST",
        path_ids=("bk_biz_id", "template_id"),
        summary="Preview the tree a task would get when some optional nodes are left out",
    ),
    Operation(
        name="modify_constants_for_task",
        method="POST",
        path_ids=("task_id", "bk_biz_id"),
        summary="Change the constants of a task that has not started",
        on_gateway=False,
    ),
    Operation(
        name="claim_functionalization_task",
        method="POST",
        path_ids=("task_id", "bk_biz_id"),
        summary="Claim a functional (common_func) task so that it may start",
    ),
    Operation(
        name="get_template_schemes",
        method="GET",
        path_ids=("bk_biz_id", "template_id"),
        summary="List the execution schemes of a project template",
    ),
    Operation(
        name="get_task_operate_record",
        method="GET",
        path_ids=("task_id", "bk_biz_id"),
        summary="List what was done to a task through the API, oldest first",
    ),
    Operation(
        name="get_tasks_manual_intervention_state",
        method="POST",
        path_ids=("bk_biz_id",),
        summary="Say which of up to 9 tasks wait for a person (failed, suspended, paused)",
        on_gateway=False,
    ),
    Operation(
        name="get_task_node_log",
        method="GET",
        path_ids=("task_id", "bk_biz_id"),
        summary="Get the log of one run of a task node",
    ),
    Operation(
        name="get_node_job_executed_log",
        method="GET",
        path_ids=("task_id", "bk_biz_id"),
        summary="Get the JOB log of a task node that ran a JOB plugin",
        on_gateway=False,
    ),
    Operation(
        name="preview_common_task_tree",
        method="POST",
        path_ids=("bk_biz_id", "template_id"),
        summary="Preview the tree a task of a common template would get",
        on_gateway=False,
    ),
)

_BY_NAME = MappingProxyType({op.name: op for op in OPERATIONS})


def operation(name: str) -> Operation:
    """The table row of an operation; LookupError for an unknown name."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise LookupError(f"unknown operation {name!r}") from None
