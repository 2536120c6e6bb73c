"""get_template_schemes: the execution schemes of a project template.

A scheme (bamboo's TemplateScheme) names the template nodes it runs; its `data` is stored as
JSON text, and create_task's `template_schemes_id` takes its id or its unique_id.
"""

from __future__ import annotations

import json
from typing import Any

from mockserver.call import Call
from mockserver.envelope import ok
from mockserver.errors import does_not_exist
from mockserver.handlers.registry import operation_handler
from mockserver.state import MockState
from simulator.preview import preview_tree

from .selection import scheme_unique_id


@operation_handler
def get_template_schemes(call: Call, mock: MockState) -> dict[str, Any]:
    project = call.require_project()
    template = mock.catalog.template(project.project_id, call.ids["template_id"])
    if template is None:
        raise does_not_exist("TaskTemplate matching query does not exist.")
    raw = call.params.get("with_constants", "false")
    with_constants = isinstance(raw, str) and raw.lower() == "true"
    optional = {
        node_id
        for node_id, act in template.tree.get("activities", {}).items()
        if act.get("optional", False)
    }
    data = []
    for scheme in template.raw.get("schemes", []):
        nodes = list(scheme["data"])
        info: dict[str, Any] = {
            "id": scheme_unique_id(template, scheme),
            "name": scheme["name"],
            "data": json.dumps(nodes, ensure_ascii=False, separators=(",", ":")),
        }
        if with_constants:
            # the optional nodes the scheme leaves out, removed as a preview removes them
            kept = preview_tree(template.tree, sorted(optional - set(nodes)))
            info["detail"] = {"constants": kept["pipeline_tree"].get("constants", {})}
        data.append(info)
    return ok(data, call.trace_id)
