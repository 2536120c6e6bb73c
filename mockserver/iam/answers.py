"""What the user's grants change inside answers: `auth_actions` and the visible projects.

bk-sops asks IAM for these for the requesting user whatever the app (trusted or not):
gcloud/iam_auth/utils.py get_*_allowed_actions_for_user and get_user_projects. With auth off
the mock keeps its old answers (every action, every project).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mockserver.call import Call

from .policy import Resource

if TYPE_CHECKING:
    from mockserver.catalog import Project
    from mockserver.state import MockState


def everything(call: Call, mock: MockState) -> bool:
    """Whether the caller sees every action on everything (no per-item work is needed)."""
    return mock.settings.auth == "off" or mock.policy.holds_all(call.identity.username)


def auth_actions(
    call: Call, mock: MockState, actions: Sequence[str], resource: Resource
) -> list[str]:
    if everything(call, mock):
        return list(actions)
    return mock.policy.actions_on(call.identity.username, actions, resource)


def whose_actions(call: Call, mock: MockState) -> str | None:
    """A memo key part for answers holding auth_actions: None when they hold every action."""
    return None if everything(call, mock) else call.identity.username


def project_resource(project: Project) -> Resource:
    return Resource("project", project.project_id, project.project_id)


def visible(call: Call, mock: MockState, project: Project) -> bool:
    """get_user_projects: the projects the user may view (IAM's filter on project_view)."""
    if everything(call, mock):
        return True
    resource = project_resource(project)
    return mock.policy.allowed(call.identity.username, "project_view", (resource,))


def restrict(
    call: Call,
    mock: MockState,
    items: list[dict[str, Any]],
    kind: str,
    project_id: int | None = None,
) -> None:
    """Cut each item's full `auth_actions` (keyed by its `id`) to what the user holds."""
    if everything(call, mock):
        return
    for item in items:
        resource = Resource(kind, int(item["id"]), project_id)
        item["auth_actions"] = auth_actions(call, mock, item["auth_actions"], resource)
