"""fast_create_task's second IAM check: view permission on every subprocess template of the tree.

FastCreateTaskInterceptor (gcloud/iam_auth/view_interceptors/apigw/fast_create_task.py) asks
iam's `allow_or_raise_immediate_response_for_resources_list`, whose refusal is a
MultiAuthFailedException. `return_json_response` catches only AuthFailedException, so iam's
AuthFailedExceptionMiddleware answers it: HTTP 200 under BK_IAM_API_PREFIX (bk-sops's default
is SITE_URL + "apigw", which every task-API path is under), code 9900403, a fixed message and
the permission-apply data (iam/utils.py gen_perms_apply_data) naming each template refused.
Names are bk-sops's IAM meta names (gcloud/iam_auth/conf.py, English from its locale file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockserver.call import Call
from mockserver.errors import ApiError

from .policy import Resource

if TYPE_CHECKING:
    from mockserver.state import MockState

IAM_FORBIDDEN = 9900403  # iam/contrib/http.py HTTP_AUTH_FORBIDDEN_CODE
SYSTEM_ID = "bk_sops"  # BKAPP_BK_IAM_SYSTEM_ID of a standard deployment
NAMES = {
    SYSTEM_ID: ("标准运维", "Standard OPS"),
    "flow_view": ("查看流程", "View Flow"),
    "common_flow_view": ("查看公共流程", "View Common Flow"),
    "project": ("项目", "Project"),
    "flow": ("流程模板", "Flow"),
    "common_flow": ("公共流程", "Common Flow"),
}


@dataclass
class IamDenied(ApiError):
    """iam's IAMAuthFailedResponse: no trace_id, a `permission` object."""

    permission: dict[str, Any] = field(default_factory=dict)

    def body(self, trace_id: str) -> dict[str, Any]:
        return {
            "result": False,
            "code": IAM_FORBIDDEN,
            "message": "you have no permission to operate",
            "data": None,
            "permission": self.permission,
        }


def check_subprocess_views(call: Call, mock: MockState) -> None:
    """Refuse the tree unless the user may view each (existing) template it uses."""
    common = bool(call.params.get("has_common_subprocess", False))
    wanted = set()
    for activity in call.params["pipeline_tree"]["activities"].values():
        value = activity.get("template_id") if isinstance(activity, dict) else None
        if type(value) is int or (isinstance(value, str) and value.isascii() and value.isdigit()):
            wanted.add(int(value))
    action, kind = ("common_flow_view", "common_flow") if common else ("flow_view", "flow")
    refused = []
    for template_id in sorted(wanted, reverse=True):  # the models order by -id
        found = _template(mock, template_id, common)
        if found is None:
            continue  # res_factory's filter leaves it out
        resource, name = found
        if not mock.policy.allowed(call.identity.username, action, (resource,)):
            refused.append((resource, name))
    if refused:
        raise IamDenied(IAM_FORBIDDEN, "", permission=_apply_data(call, action, kind, refused))


def _template(mock: MockState, template_id: int, common: bool) -> tuple[Resource, str] | None:
    if common:
        template = mock.catalog.common_template(template_id)
        if template is None:
            return None
        return Resource("common_flow", template_id, None), template.name
    project_id = mock.catalog.template_project(template_id)
    if project_id is None:
        return None
    template = mock.catalog.template(project_id, template_id)
    assert template is not None
    return Resource("flow", template_id, project_id), template.name


def _apply_data(
    call: Call, action: str, kind: str, refused: list[tuple[Resource, str]]
) -> dict[str, Any]:
    def name(key: str) -> str:
        zh, en = NAMES[key]
        return call.text(zh, en)

    instances = []
    for resource, title in refused:
        item = []
        if resource.project is not None:  # the flow's _bk_iam_path_ "/project,<id>/"
            project = str(resource.project)
            item.append(
                {
                    "type": "project",
                    "type_name": name("project"),
                    "id": project,
                    "name": f"project,{project}",
                }
            )
        item.append({"type": kind, "type_name": name(kind), "id": str(resource.id), "name": title})
        instances.append(item)
    related = {
        "system_id": SYSTEM_ID,
        "system_name": name(SYSTEM_ID),
        "type": kind,
        "type_name": name(kind),
        "instances": instances,
    }
    return {
        "system_id": SYSTEM_ID,
        "system_name": name(SYSTEM_ID),
        "actions": [{"id": action, "name": name(action), "related_resource_types": [related]}],
    }
