"""bk-sops's IAM view interceptors (gcloud/iam_auth/view_interceptors/apigw/), as a table.

Each row says which action a view checks on which resources; a resource kind says where its
id comes from (`project`: the project the decorators found; `flow` and `common_flow`: the
`template_id`; `task`: the `task_id`). Views that switch on `template_source` have a second row
for common templates. A trusted app skips the interceptor, as `request.is_trust` does.

Before asking IAM, bk-sops's res_factory looks each flow, task and common flow up by id alone
(any project): a missing one raises the model's DoesNotExist, which no decorator catches, so
gcloud/core/middlewares.py answers it (3540400, its own text, no trace_id). A refusal is
iam's AuthFailedException, which `return_json_response` (gcloud/apigw/decorators.py) turns
into code 3599999 with the action's id.

The interceptor runs after `project_inject`, and after `request_validate` where a view has
one (create_task, create_and_start_task, fast_create_task): those handlers call
`after_validation` themselves at that point; dispatch calls `before_view` for the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from mockserver.call import Call
from mockserver.errors import UNKNOWN_ERROR, ApiError, does_not_exist

from .denied import check_subprocess_views
from .policy import Resource

if TYPE_CHECKING:
    from mockserver.state import MockState


class Check(NamedTuple):
    action: str
    kinds: tuple[str, ...]


class Interceptor(NamedTuple):
    check: Check  # project templates (template_source project or business), or the only check
    common: Check | None = None  # template_source anything else
    after_validation: bool = False
    # The view's @timezone_inject sits outside @iam_intercept: a bad expected_timezone is
    # answered before the check.
    timezone_first: bool = False
    # FastCreateTaskInterceptor's second check, on the tree's subprocess templates (denied.py).
    subprocess_views: bool = False


_PROJECT_VIEW = Interceptor(Check("project_view", ("project",)))
_PROJECT_VIEW_AFTER_TZ = Interceptor(Check("project_view", ("project",)), timezone_first=True)
_TASK_VIEW = Interceptor(Check("task_view", ("task",)))
_TASK_OPERATE = Interceptor(Check("task_operate", ("task",)))
_CREATE = Interceptor(
    Check("flow_create_task", ("flow",)),
    Check("common_flow_create_task", ("common_flow", "project")),
    after_validation=True,
)

# operation -> interceptor (the view's @iam_intercept). get_common_template_list and
# get_user_project_list have none.
INTERCEPTORS: dict[str, Interceptor] = {
    "get_template_list": _PROJECT_VIEW_AFTER_TZ,  # ProjectViewInterceptor
    "get_template_info": Interceptor(  # GetTemplateInfoInterceptor
        Check("flow_view", ("flow",)), Check("common_flow_view", ("common_flow",))
    ),
    "get_common_template_info": Interceptor(Check("common_flow_view", ("common_flow",))),
    "create_task": _CREATE,  # CreateTaskInterceptor
    "create_and_start_task": _CREATE,
    "fast_create_task": Interceptor(  # FastCreateTaskInterceptor
        Check("project_fast_create_task", ("project",)),
        after_validation=True,
        subprocess_views=True,
    ),
    "preview_task_tree": Interceptor(Check("flow_view", ("flow",))),  # FlowViewInterceptor
    "start_task": _TASK_OPERATE,  # TaskOperateInterceptor
    "operate_task": _TASK_OPERATE,
    "operate_node": _TASK_OPERATE,
    "node_callback": _TASK_OPERATE,
    "get_task_status": _TASK_VIEW,  # TaskViewInterceptor
    "get_task_detail": _TASK_VIEW,
    "get_task_node_detail": _TASK_VIEW,
    "get_task_node_data": _TASK_VIEW,
    "modify_constants_for_task": Interceptor(Check("task_edit", ("task",))),  # TaskEdit
    "get_tasks_status": _PROJECT_VIEW,
    "get_task_list": _PROJECT_VIEW_AFTER_TZ,
    "query_task_count": _PROJECT_VIEW,
    "get_user_project_detail": _PROJECT_VIEW,
    # Operations of issue 15 item 8, ready for when they are served (rows of operations the
    # mock does not serve are never read).
    "claim_functionalization_task": Interceptor(Check("task_claim", ("task",))),  # FunctionTask
    "get_template_schemes": Interceptor(Check("flow_view", ("flow",))),  # FlowViewInterceptor
    "get_task_operate_record": _TASK_VIEW,
    "get_task_node_log": _TASK_VIEW,
    "get_node_job_executed_log": _TASK_VIEW,
    "get_tasks_manual_intervention_state": _PROJECT_VIEW,
    "preview_common_task_tree": Interceptor(Check("common_flow_view", ("common_flow",))),
    "get_periodic_task_list": _PROJECT_VIEW_AFTER_TZ,
    # CreatePeriodicTaskInterceptor runs after CreatePriodicTaskValidator: a handler that
    # validates first should flip this to after_validation=True and call after_validation.
    "create_periodic_task": Interceptor(
        Check("flow_create_periodic_task", ("flow",)),
        Check("common_flow_create_periodic_task", ("common_flow",)),
    ),
    # get_periodic_task_info (periodic_task_view), set_periodic_task_enabled,
    # modify_cron_for_periodic_task and modify_constants_for_periodic_task (periodic_task_edit)
    # need a "periodic_task" resource: its lookup (PeriodicTask(id=N) does not exist.) belongs
    # in _resource once the mock keeps periodic tasks.
}
PROJECT_SOURCES = ("project", "business")  # gcloud/constants.py NON_COMMON_TEMPLATE_TYPES


def trusted(call: Call, mock: MockState) -> bool:
    """`request.is_trust`: auth off trusts everyone; else the app code must be whitelisted."""
    return mock.settings.auth == "off" or mock.policy.is_trusted(call.identity.app_code)


def before_view(call: Call, mock: MockState) -> None:
    """Dispatch's hook: run the operation's interceptor unless its view validates first."""
    row = INTERCEPTORS.get(call.op.name)
    if row is not None and not row.after_validation and not trusted(call, mock):
        _run(row, call, mock)


def after_validation(call: Call, mock: MockState) -> None:
    """The hook of the handlers whose view runs `request_validate` before the interceptor."""
    row = INTERCEPTORS.get(call.op.name)
    if row is not None and row.after_validation and not trusted(call, mock):
        _run(row, call, mock)


def _run(row: Interceptor, call: Call, mock: MockState) -> None:
    if row.timezone_first and call.params.get("expected_timezone"):
        call.tz()  # raises bk-sops's answer to an unknown zone
    check = row.check
    if row.common is not None:
        source = call.params.get("template_source", "project")
        if source not in PROJECT_SOURCES:
            check = row.common
    resources = [_resource(kind, call, mock) for kind in check.kinds]
    if not mock.policy.allowed(call.identity.username, check.action, resources):
        raise refusal(check.action)
    if row.subprocess_views:
        check_subprocess_views(call, mock)


def refusal(action: str) -> ApiError:
    return ApiError(
        UNKNOWN_ERROR,
        f"iam authentication exception, please check, action:{action}",
        data=None,
    )


def _resource(kind: str, call: Call, mock: MockState) -> Resource:
    if kind == "project":
        project = call.require_project()
        return Resource("project", project.project_id, project.project_id)
    if kind == "task":
        task_id = call.ids["task_id"]
        owner = mock.engine.project_of(task_id)
        if owner is None:
            raise does_not_exist(f"TaskFlowInstance(id={task_id}) does not exist.")
        return Resource("task", task_id, owner)
    template_id = call.ids["template_id"]
    if kind == "flow":
        found = mock.catalog.template_project(template_id)
        if found is None:
            raise does_not_exist(f"TaskTemplate(id={template_id}) does not exist.")
        return Resource("flow", template_id, found)
    if mock.catalog.common_template(template_id) is None:
        raise does_not_exist(f"CommonTemplate(id={template_id}) does not exist.")
    return Resource("common_flow", template_id, None)
