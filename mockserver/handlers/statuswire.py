"""get_task_status's tree with its children serialized once per task change and clock reading.

The engine hands out the same render of a task's status tree until the task changes; between
changes only the running rows' elapsed times follow the clock. So the children's JSON bytes are
kept with the render and those elapsed times, and go out as an `orjson.Fragment` inside a fresh
top-level dict (handlers add keys to it). With response validation on, the validator needs the
whole tree as data, so the tree is built as before.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

import orjson

from mockserver.state import MockState


def status_data(
    mock: MockState, task_id: int, tz: tzinfo, subprocess_id: str | None
) -> dict[str, Any]:
    """The data of a get_task_status answer (a status read: it polls)."""
    render, at = mock.engine.status_render(task_id, tz=tz, subprocess_id=subprocess_id)
    if mock.settings.validate_responses or not render.rows:
        return render.tree(at)
    moving = render.moving(at)
    key = ("get_task_status", task_id, tz, subprocess_id)
    kept = mock.memo.get(key)
    if kept is not None and kept[0] is render and kept[1] == moving:
        top, children = kept[2], kept[3]
    else:
        tree = render.tree(at)
        children = orjson.Fragment(orjson.dumps(tree["children"]))
        top = {**tree, "children": None}  # same key order; children go in per answer
        mock.memo.put(key, (render, moving, top, children))
    data: dict[str, Any] = top.copy()
    data["children"] = children
    return data
