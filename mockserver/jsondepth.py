"""How deep a parsed JSON body may nest, checked right after parsing.

orjson reads up to 1,024 levels but writes only 254, so a body nested between the two used to
be accepted and stored, after which the state document (GET /__mock__/state, the state file)
could no longer be written. A documented limit well below the writer's keeps every stored value
writable with room for the levels a snapshot or an answer wraps it in.
"""

from __future__ import annotations

from typing import Any, Final

# bk-sops operation bodies (create_task constants, pipeline trees, callback data, ...).
MAX_DEPTH: Final = 64
# Control bodies (scenarios, fault rules, ...).
MAX_CONTROL_DEPTH: Final = 100
# A state document (PUT /__mock__/state) wraps what the two above let in with a dozen levels of
# its own; what it brings back is written out again at the same depth.
MAX_STATE_DEPTH: Final = 200


def too_deep(body: bytes, parsed: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `parsed` (the JSON of `body`) nests more than `limit` arrays and objects."""
    # Each level opens with a bracket, so a body with few of them cannot be deep: one pass in C
    # over the bytes spares the walk for almost every request.
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    return depth_over(parsed, limit)


def depth_over(value: Any, limit: int) -> bool:
    """Whether `value` nests more than `limit` levels (a scalar has none, `[]` one)."""
    kind = type(value)
    return (kind is dict or kind is list) and _over(value, limit)


def _over(container: Any, left: int) -> bool:
    # Recursion stops at `limit` frames, so deep input cannot exhaust the stack; a recursive
    # walk with type identity tests ran six times faster than an explicit stack of tuples.
    if left <= 0:
        return True
    for item in container.values() if type(container) is dict else container:
        kind = type(item)
        if (kind is dict or kind is list) and _over(item, left - 1):
            return True
    return False
