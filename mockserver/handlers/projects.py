"""get_user_project_list and get_user_project_detail: the projects a user works in."""

from __future__ import annotations

from typing import Any

from mockserver.call import Call
from mockserver.catalog import Project
from mockserver.envelope import ok
from mockserver.errors import UNKNOWN_ERROR, ApiError
from mockserver.handlers.registry import operation_handler
from mockserver.iam.answers import auth_actions, project_resource, visible
from mockserver.state import MockState

PROJECT_FLAGS = ("include_executor_proxy", "include_staff_groups")
# gcloud/iam_auth/conf.py PROJECT_ACTIONS: a trusted app sees every action.
PROJECT_ACTIONS = ["project_view", "project_edit", "project_fast_create_task"]
CMDB_PEOPLE = ("bk_biz_developer", "bk_biz_maintainer", "bk_biz_tester", "bk_biz_productor")


def _executor_proxy(project: Project, username: str) -> str:
    """ProjectConfig.task_executor_for_project: who the user's tasks in the project run as.

    The project's proxy, unless none is set or the user is exempt: then the user.
    """
    proxy = project.raw.get("executor_proxy")
    proxy = proxy.strip() if isinstance(proxy, str) else ""
    exempts = str(project.raw.get("executor_proxy_exempts", "")).split(",")
    return username if not proxy or username in exempts else proxy


@operation_handler
def get_user_project_list(call: Call, mock: MockState) -> dict[str, Any]:
    flags = call.serializer_flags(PROJECT_FLAGS)
    # The projects the user may view (the fixture's IAM grants); disabled ones are left out.
    data = []
    for project in sorted(mock.catalog.projects, key=lambda p: p.project_id):
        if project.raw.get("is_disable") or not visible(call, mock, project):
            continue
        item: dict[str, Any] = {
            "project_id": project.project_id,
            "bk_biz_id": project.bk_biz_id,
            "name": project.name,
        }
        if flags["include_executor_proxy"]:
            item["executor_proxy"] = _executor_proxy(project, call.identity.username)
        data.append(item)
    return ok(data, call.trace_id)


def _people(project: Project, field: str) -> str:
    # The CMDB business's people; a fixture without them has its creator as maintainer.
    value = project.raw.get(field)
    if isinstance(value, str):
        return value
    return str(project.raw.get("creator", "")) if field == "bk_biz_maintainer" else ""


@operation_handler
def get_user_project_detail(call: Call, mock: MockState) -> dict[str, Any]:
    flags = call.serializer_flags(PROJECT_FLAGS)
    project = call.require_project()
    if not project.from_cmdb:
        # bk-sops asks CMDB for business -1, which does not exist.
        raise ApiError(
            UNKNOWN_ERROR,
            f"can not get business[{project.bk_biz_id}] detail for user[{call.identity.username}]",
        )
    data: dict[str, Any] = {
        "project_id": project.project_id,
        "project_name": project.name,
        "from_cmdb": project.from_cmdb,
        "bk_biz_id": project.bk_biz_id,
        "bk_biz_name": project.name,
        **{field: _people(project, field) for field in CMDB_PEOPLE},
        "auth_actions": auth_actions(call, mock, PROJECT_ACTIONS, project_resource(project)),
    }
    if flags["include_executor_proxy"]:
        data["executor_proxy"] = _executor_proxy(project, call.identity.username)
    if flags["include_staff_groups"]:
        data["staff_groups"] = list(project.raw.get("staff_groups", []))
    return ok(data, call.trace_id)
