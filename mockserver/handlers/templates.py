"""get_template_list and get_template_info: the fixture's templates as bk-sops lists them."""

from __future__ import annotations

import copy
from datetime import tzinfo
from typing import Any

import orjson

from mockserver.call import Call
from mockserver.catalog import LAYOUT_KEYS, Project, Template
from mockserver.envelope import ok
from mockserver.errors import REQUEST_PARAM_INVALID, ApiError
from mockserver.handlers.lookups import find_template
from mockserver.handlers.registry import operation_handler
from mockserver.iam.answers import restrict, whose_actions
from mockserver.state import MockState
from mockserver.timefmt import render
from mockserver.yamlexport import template_yaml

from .constants_table import template_constants

# gcloud/apigw/serializers.py IncludeTemplateSerializer: every view that uses it validates all
# of its fields, in this order (the order of a DRF error object), whichever it then reads.
TEMPLATE_SERIALIZER_FLAGS = (
    "include_executor_proxy",
    "include_subprocess",
    "include_constants",
    "include_notify",
    "include_labels",
    "unfold_subprocess",
    "format",
)
LIST_FLAGS = INFO_FLAGS = TEMPLATE_SERIALIZER_FLAGS
# gcloud/iam_auth/conf.py FLOW_ACTIONS: a trusted app sees every action.
FLOW_ACTIONS = [
    "flow_create",
    "flow_view",
    "flow_edit",
    "flow_delete",
    "flow_create_task",
    "flow_create_mini_app",
    "flow_create_periodic_task",
    "flow_create_clocked_task",
]


def _is_project_source(call: Call) -> bool:
    # bk-sops: "project" and "business" read project templates, any other value common ones.
    return call.params.get("template_source", "project") in ("project", "business")


def template_fields(template: Template, tz: tzinfo) -> dict[str, Any]:
    """The fields every template answer carries, project or common."""
    return {
        "id": template.id,
        "name": template.name,
        "creator": template.creator,
        "create_time": render(template.create_time, tz),
        "editor": template.editor,
        "edit_time": render(template.edit_time, tz),
        "category": template.category,
        "description": template.description,
    }


def _common_fields(template: Template, project: Project, tz: tzinfo) -> dict[str, Any]:
    # Common templates listed through a project carry the requesting project's fields.
    return {
        **template_fields(template, tz),
        "project_id": project.project_id,
        "project_name": project.name,
        "bk_biz_id": project.bk_biz_id,
        "bk_biz_name": project.name if project.from_cmdb else None,
    }


def _options(template: Template, flags: dict[str, bool]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    raw = template.raw
    if flags.get("include_notify"):
        extra["notify_type"] = raw.get("notify_type", {"success": [], "fail": []})
        extra["notify_receivers"] = raw.get("notify_receivers", {})
    if flags.get("include_executor_proxy") and template.source == "project":
        extra["executor_proxy"] = raw.get("executor_proxy", "")
    return extra


@operation_handler
def get_template_list(call: Call, mock: MockState) -> dict[str, Any]:
    project = call.require_project()
    tz = call.tz()
    flags = call.serializer_flags(LIST_FLAGS)
    if mock.settings.validate_responses:  # the validator reads the list itself
        return ok(_list(call, mock, project, tz, flags), call.trace_id)
    # The list follows from the catalog (fixed until a reset, which drops the memo) and these.
    id_in, keyword = call.params.get("id_in"), call.params.get("name_keyword")
    key = (
        "get_template_list",
        project.project_id,
        _is_project_source(call),
        tz,
        tuple(flags.items()),
        id_in if isinstance(id_in, str) else None,
        keyword if isinstance(keyword, str) else None,
        whose_actions(call, mock),
    )
    data = mock.memo.get_or_make(
        key, lambda: orjson.Fragment(orjson.dumps(_list(call, mock, project, tz, flags)))
    )
    return ok(data, call.trace_id)


def _list(
    call: Call, mock: MockState, project: Project, tz: tzinfo, flags: dict[str, bool]
) -> list[dict[str, Any]]:
    if _is_project_source(call):
        found = mock.catalog.project_templates(project.project_id)
    else:
        found = list(mock.catalog.common_templates)
    found = _filter(found, call)
    items = []
    for template in sorted(found, key=lambda t: -t.id):
        item = _common_fields(template, project, tz)
        item["auth_actions"] = list(FLOW_ACTIONS) if template.source == "project" else []
        item.update(_options(template, flags))
        if flags["include_labels"] and template.source == "project":
            item["labels"] = list(template.raw.get("labels", []))
        items.append(item)
    if _is_project_source(call):
        restrict(call, mock, items, "flow", project.project_id)  # the user's IAM grants
    return items


def _filter(found: list[Template], call: Call) -> list[Template]:
    id_in = call.params.get("id_in")
    if isinstance(id_in, str) and id_in:
        wanted = set()
        for part in id_in.split(","):
            if not part.strip().isdigit():
                # bk-sops lets this reach the ORM and answers 500; the mock says what is wrong.
                raise ApiError(
                    REQUEST_PARAM_INVALID,
                    f"id_in must be comma-separated template ids, got {id_in!r}",
                )
            wanted.add(int(part))
        found = [t for t in found if t.id in wanted]
    keyword = call.params.get("name_keyword")
    if isinstance(keyword, str) and keyword:
        found = [t for t in found if keyword.lower() in t.name.lower()]
    return found


def _lookup(call: Call, mock: MockState) -> Template:
    return find_template(call, mock, project_source=_is_project_source(call), spaced=True)


def public_tree(tree: Any, unfold: bool) -> dict[str, Any]:
    """The tree as get_template_info shows it: no canvas layout, a `schema` on each constant."""
    out: dict[str, Any] = copy.deepcopy(dict(tree))
    for key in LAYOUT_KEYS:
        out.pop(key, None)
    for constant in out.get("constants", {}).values():
        constant.setdefault("schema", None)
    for activity in out.get("activities", {}).values():
        if activity.get("type") != "SubProcess":
            continue
        nested = activity.pop("pipeline", None)
        if unfold and nested is not None:
            activity["pipeline"] = public_tree(nested, unfold)
    return out


@operation_handler
def get_template_info(call: Call, mock: MockState) -> dict[str, Any]:
    project = call.require_project()
    # No timezone_inject on this view: expected_timezone is ignored, times are the deployment's.
    tz = call.default_tz
    flags = call.serializer_flags(INFO_FLAGS)
    template = _lookup(call, mock)
    data = _common_fields(template, project, tz)
    data["pipeline_tree"] = public_tree(template.tree, flags["unfold_subprocess"])
    data.update(_options(template, flags))
    if flags["include_subprocess"]:
        data["has_subprocess"] = any(
            a.get("type") == "SubProcess" for a in template.tree.get("activities", {}).values()
        )
        data["subprocess_has_update"] = False
    if flags["include_constants"]:
        data["template_constants"] = template_constants(data["pipeline_tree"], call.language)
    if call.params.get("format") == "yaml":
        data["pipeline_tree"] = template_yaml(template, data["pipeline_tree"])
    return ok(data, call.trace_id)
