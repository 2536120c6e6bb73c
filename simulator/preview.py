"""The tree a task would get from a template, without creating the task (preview_task_tree)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from .exclude import prepare_tree


def preview_tree(template_tree: Mapping[str, Any], exclude: Sequence[str]) -> dict[str, Any]:
    """`pipeline_tree`: the template tree minus the excluded optional nodes, unused constants
    dropped, ids unchanged; `constants_not_referred`: the template constants that were dropped.

    Raises ExcludeNodeError for an id that is not an activity of the tree or not optional.
    """
    before = copy.deepcopy(dict(template_tree.get("constants") or {}))
    tree = prepare_tree(template_tree, exclude)
    # bk-sops writes the canvas lists back even when the template had none.
    tree.setdefault("line", [])
    tree.setdefault("location", [])
    dropped = {key: value for key, value in before.items() if key not in tree["constants"]}
    return {"pipeline_tree": tree, "constants_not_referred": dropped}
