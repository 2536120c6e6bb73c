"""Which template nodes a new task leaves out: schemes, execute lists and exclude lists.

Mirrors bk-sops's node selector: scheme ids are positive integers or non-empty strings
(numeric strings read as integers); schemes cannot be combined with explicit node lists; an
execute list excludes every other activity (and so fails on non-optional ones, as bk-sops does).
"""

from __future__ import annotations

from typing import Any

from mockserver.call import Call
from mockserver.catalog import Template
from mockserver.errors import REQUEST_PARAM_INVALID, ApiError
from simulator import TemplateSpec


def tree_spec(call: Call, template: Template, project_id: int) -> TemplateSpec | None:
    """The spec to create from when the caller sent its own pipeline_tree, else None."""
    if "pipeline_tree" not in call.params:  # bk-sops tests presence: null takes the tree path
        return None
    tree = call.params["pipeline_tree"]
    if _scheme_ids(call):
        raise ApiError(
            REQUEST_PARAM_INVALID, "template_schemes_id can not be used with pipeline_tree"
        )
    call.extra["tree_path"] = True
    return TemplateSpec(
        template_id=template.id,
        project_id=project_id,
        name=template.name,
        category=template.category,
        tree=tree,
        source=template.source,
    )


def _scheme_ids(call: Call) -> list[Any]:
    raw = call.params.get("template_schemes_id", [])
    return list(raw) if isinstance(raw, list) else [raw]


def _normalise(ids: list[Any]) -> list[int | str]:
    out: list[int | str] = []
    for item in ids:
        if isinstance(item, bool):
            out = []
            break
        if isinstance(item, float) and item.is_integer():
            item = int(item)  # an integer to JSON Schema (past 64 bits orjson gives a float)
        if isinstance(item, int) and item > 0:
            out.append(item)
        elif isinstance(item, str) and item.strip():
            out.append(int(item) if item.isascii() and item.isdigit() else item)
        else:
            raise ApiError(
                REQUEST_PARAM_INVALID,
                "invalid template_schemes_id: all items must be non-empty strings or "
                "positive integers",
            )
    seen: set[int | str] = set()
    dupes = []
    for item in out:
        if item in seen and str(item) not in dupes:
            dupes.append(str(item))
        seen.add(item)
    if dupes:
        raise ApiError(REQUEST_PARAM_INVALID, f"duplicate template_schemes_id: {', '.join(dupes)}")
    return out


def _activities(template: Template) -> dict[str, Any]:
    activities: dict[str, Any] = dict(template.tree.get("activities", {}))
    return activities


def excluded_nodes(call: Call, template: Template) -> list[str]:
    params = call.params
    exclude = list(params.get("exclude_task_nodes_id") or [])
    execute = list(params.get("execute_task_nodes_id") or [])
    schemes = _normalise(_scheme_ids(call))
    if schemes:
        if exclude or execute:
            raise ApiError(
                REQUEST_PARAM_INVALID,
                "template_schemes_id can not be used with exclude_task_nodes_id or "
                "execute_task_nodes_id",
            )
        return _scheme_exclusions(template, schemes)
    if execute:
        return sorted(set(_activities(template)) - {str(n) for n in execute})
    return [str(n) for n in exclude]


def scheme_unique_id(template: Template, scheme: dict[str, Any]) -> str:
    """A scheme's unique_id: bk-sops's scheme viewset writes "<template id>-<scheme name>"."""
    return str(scheme.get("unique_id", f"{template.id}-{scheme['name']}"))


def _scheme_exclusions(template: Template, schemes: list[int | str]) -> list[str]:
    by_key: dict[int | str, list[str]] = {}
    for scheme in template.raw.get("schemes", []):
        nodes = list(scheme.get("data", []))
        by_key[int(scheme["id"])] = nodes
        by_key[scheme_unique_id(template, scheme)] = nodes
    chosen: set[str] = set()
    for key in schemes:
        if key not in by_key:
            raise ApiError(REQUEST_PARAM_INVALID, f"unknown template_schemes_id: {key}")
        chosen.update(by_key[key])
    activities = _activities(template)
    return sorted(
        node for node, act in activities.items() if node not in chosen and act.get("optional")
    )
