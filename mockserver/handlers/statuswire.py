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
    mock: MockState, task_id: int, tz: tzinfo, subprocess_id: str | None, whole: bool = False
) -> Any:
    """The data of a get_task_status answer (a status read: it polls).

    With `whole`, for a caller that adds nothing to it, the data may come as one Fragment.
    """
    render, at = mock.engine.status_render(task_id, tz=tz, subprocess_id=subprocess_id)
    if mock.settings.validate_responses or not render.rows:
        return render.tree(at)
    moving = render.moving(at)
    key = ("get_task_status", task_id, tz, subprocess_id)
    kept = mock.memo.get(key)
    if kept is None or kept[0] is not render or kept[1] != moving:
        tree = render.tree(at)
        children = orjson.Fragment(orjson.dumps(tree["children"]))
        top = {**tree, "children": None}  # same key order; children go in per answer
        kept = [render, moving, top, children, None]
        mock.memo.put(key, kept)
    if whole:
        if kept[4] is None:  # made on the first whole read: a read with flags never needs it
            kept[4] = orjson.Fragment(orjson.dumps({**kept[2], "children": kept[3]}))
        return kept[4]
    data: dict[str, Any] = kept[2].copy()
    data["children"] = kept[3]
    return data
