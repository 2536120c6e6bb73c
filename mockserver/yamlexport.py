"""format=yaml of get_template_info: the template as a YAML document (schema_version v1).

bk-sops converts the tree into its YAML schema (schema_version, meta, spec); the mock keeps the
same three sections and puts the web tree under spec. Scalars are written as JSON, which YAML
1.2 reads as they are, so no YAML library is needed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .catalog import Template


def template_yaml(template: Template, tree: Mapping[str, Any]) -> str:
    document = {
        "schema_version": "v1",
        "meta": {"id": template.id, "name": template.name, "category": template.category},
        "spec": {"pipeline_tree": tree},
    }
    return "\n".join(_lines(document, 0)) + "\n"


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def _lines(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    out: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            head = f"{pad}{_scalar(str(key))}:"
            if (isinstance(item, Mapping) and item) or (isinstance(item, list) and item):
                out.append(head)
                out.extend(_lines(item, indent + 1))
            else:
                out.append(f"{head} {_inline(item)}")
        return out
    for item in value:
        if isinstance(item, Mapping | list) and item:
            out.append(f"{pad}-")
            out.extend(_lines(item, indent + 1))
        else:
            out.append(f"{pad}- {_scalar(item)}")
    return out
