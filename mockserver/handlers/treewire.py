"""create_task's pipeline_tree as JSON bytes, from a stencil made once per prepared tree.

Every task made from one prepared tree has the same execution tree but for its ids and the
caller's constant values. So the tree is renamed once with markers for ids and for constant
values, serialized, and cut at the markers: the stencil. A task's tree is then the stencil's
pieces joined with that task's ids and the JSON of its constant values, the same bytes
`orjson.dumps(task.pipeline_tree)` gives, without building (and later freeing) the tree.

Markers start with a NUL, which JSON always escapes: they cannot be confused with anything the
caller sends (spliced in separately, never searched), and a template whose JSON happens to
hold the escaped marker text gets no stencil. With response validation on, the validator needs
the tree as data, so it is built as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from mockserver.state import MockState
from simulator import NewTask, TaskInfo, ids
from simulator.instance import TreeSource, renamed_tree

MARK: Final = "\x00sops-mock-slot:"
_MARK_JSON: Final = orjson.dumps(MARK)[1:-1]
# A marker as serialized, with its quotes: a constant's value replaces the whole JSON string.
_SLOT: Final = re.compile(rb'"' + re.escape(_MARK_JSON) + rb'(\d+)\\u0000"')


@dataclass(frozen=True)
class Stencil:
    # The tree's JSON with a %b where each slot goes ("%" itself doubled), filled in one call.
    form: bytes
    order: tuple[int, ...]  # the slot each %b is filled with
    slots: tuple[tuple[str, str], ...]  # (kind, what): node/flow path, constant key, pipeline
    defaults: Mapping[str, bytes]  # a constant's template value, as JSON


def make_stencil(prepared: Mapping[str, Any]) -> Stencil | None:
    """The stencil of one prepared tree, or None when its JSON already holds marker text."""
    if _MARK_JSON in orjson.dumps(prepared):
        return None
    slots: list[tuple[str, str]] = []

    def mark(kind: str, what: str) -> str:
        slots.append((kind, what))
        return f"{MARK}{len(slots) - 1}\x00"

    constants = prepared.get("constants") or {}
    # Only constants that have a value: apply_constants adds a missing one at the end.
    valued = [k for k, c in constants.items() if isinstance(c, dict) and "value" in c]
    defaults = {key: orjson.dumps(constants[key]["value"]) for key in valued}
    marked = {key: mark("constant", key) for key in valued}
    tree = renamed_tree(prepared, marked, mark, mark("pipeline", ""))
    cut = _SLOT.split(orjson.dumps(tree))
    return Stencil(
        form=b"%b".join(piece.replace(b"%", b"%%") for piece in cut[0::2]),
        order=tuple(int(index) for index in cut[1::2]),
        slots=tuple(slots),
        defaults=defaults,
    )


def render(stencil: Stencil, source: TreeSource, pipeline_id: str = "") -> bytes | None:
    """The task's execution tree as JSON, or None when the stencil cannot make it.

    `pipeline_id`, when the caller has it at hand (TaskInfo does), saves hashing it again.
    """
    given = source.constants
    if not given.keys() <= stencil.defaults.keys():
        return None  # a constant without a template value: its "value" key would move
    seed, task_id = source.seed, source.task_id
    values: list[bytes] = []
    for kind, what in stencil.slots:
        if kind == "node":
            made = ids.node_id(seed, task_id, what)
        elif kind == "flow":
            made = ids.flow_id(seed, task_id, what)
        elif kind == "pipeline":
            made = pipeline_id or ids.pipeline_id(seed, task_id)
        else:
            values.append(orjson.dumps(given[what]) if what in given else stencil.defaults[what])
            continue
        values.append(b'"%b"' % made.encode())  # ids are hex: nothing to escape
    return stencil.form % tuple([values[index] for index in stencil.order])


def pipeline_tree_wire(mock: MockState, task: TaskInfo | NewTask) -> Any:
    """create_task's pipeline_tree: JSON bytes as a Fragment, or the tree when it must be data."""
    source = task.tree_source
    if mock.settings.validate_responses:
        return task.pipeline_tree
    key = ("create_task stencil", id(source.prepared))
    kept = mock.memo.get(key)
    if kept is None or kept[0] is not source.prepared:
        kept = (source.prepared, make_stencil(source.prepared))
        mock.memo.put(key, kept)
    stencil = kept[1]
    rendered = None if stencil is None else render(stencil, source, task.pipeline_id)
    return task.pipeline_tree if rendered is None else orjson.Fragment(rendered)
