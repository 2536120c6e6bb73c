"""get_common_template_list and get_common_template_info: templates shared by all projects."""

from __future__ import annotations

from typing import Any

from mockserver.call import Call
from mockserver.catalog import Template
from mockserver.envelope import ok
from mockserver.errors import CONTENT_NOT_EXIST, ApiError
from mockserver.handlers.registry import operation_handler
from mockserver.iam.answers import restrict
from mockserver.state import MockState

from .constants_table import template_constants
from .templates import TEMPLATE_SERIALIZER_FLAGS, public_tree, template_fields

LIST_FLAGS = INFO_FLAGS = TEMPLATE_SERIALIZER_FLAGS
# gcloud/iam_auth/conf.py COMMON_FLOW_ACTIONS: a trusted app sees every action.
COMMON_FLOW_ACTIONS = [
    "common_flow_create_task",
    "common_flow_edit",
    "common_flow_delete",
    "common_flow_view",
    "common_flow_create",
    "common_flow_create_periodic_task",
]


def _notify(template: Template) -> dict[str, Any]:
    raw = template.raw
    return {
        "notify_type": raw.get("notify_type", {"success": [], "fail": []}),
        "notify_receivers": raw.get("notify_receivers", {}),
    }


@operation_handler
def get_common_template_list(call: Call, mock: MockState) -> dict[str, Any]:
    tz = call.tz()
    flags = call.serializer_flags(LIST_FLAGS)
    items = []
    for template in sorted(mock.catalog.common_templates, key=lambda t: -t.id):
        item = template_fields(template, tz)
        if flags["include_notify"]:
            item.update(_notify(template))
        item["auth_actions"] = list(COMMON_FLOW_ACTIONS)
        items.append(item)
    restrict(call, mock, items, "common_flow")  # the user's IAM grants
    return ok(items, call.trace_id)


@operation_handler
def get_common_template_info(call: Call, mock: MockState) -> dict[str, Any]:
    flags = call.serializer_flags(INFO_FLAGS)
    template_id = call.ids["template_id"]
    template = mock.catalog.common_template(template_id)
    if template is None:
        raise ApiError(CONTENT_NOT_EXIST, f"common template[id={template_id}] does not exist")
    # No timezone_inject on this view: times are in the deployment's zone.
    data = template_fields(template, call.default_tz)
    data["pipeline_tree"] = public_tree(template.tree, unfold=False)
    if flags["include_notify"]:
        data.update(_notify(template))
    if flags["include_subprocess"]:
        data["has_subprocess"] = any(
            a.get("type") == "SubProcess" for a in template.tree.get("activities", {}).values()
        )
        data["subprocess_has_update"] = False
    if flags["include_constants"]:
        data["template_constants"] = template_constants(data["pipeline_tree"], call.language)
    return ok(data, call.trace_id)
