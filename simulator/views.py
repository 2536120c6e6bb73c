"""Read-only views of a task run: bk-sops's legacy status tree, failed ex_data, node detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from . import states as S
from . import tree as t
from .models import NodeDetail, NodeRun
from .runtime import ROOT, NodeState, TaskRuntime, execution_outputs
from .timetext import bk_time_in

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_datetime(us: int | None) -> datetime | None:
    return None if us is None else _datetime(us)


@lru_cache(maxsize=4096)
def _datetime(us: int) -> datetime:
    # Datetimes are immutable, and a task's times are read again on every look at the task.
    return EPOCH + timedelta(microseconds=us)


def to_us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def elapsed(started: int | None, archived: int | None, now: int) -> int:
    if started is None:
        return 0
    return round(((archived if archived is not None else now) - started) / 1_000_000)


def created_status(name: str) -> dict[str, Any]:
    return {
        "start_time": None,
        "state": S.CREATED,
        "retry": 0,
        "skip": 0,
        "finish_time": None,
        "elapsed_time": 0,
        "children": {},
        "name": name,
    }


class _Times:
    """Formats clock readings in one time zone, each distinct reading once per view."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.seen: dict[int, str] = {}

    def __call__(self, us: int | None) -> str | None:
        if us is None:
            return None
        text = self.seen.get(us)
        if text is None:
            text = self.seen[us] = bk_time_in(EPOCH + timedelta(microseconds=us), self.tz)
        return text


def _row(
    rt: TaskRuntime, idx: int, st: NodeState, now: int, times: _Times, name: str
) -> dict[str, Any]:
    parent = st.parent if st.parent is not None else ROOT
    return {
        "id": rt.id_of(idx),
        "state": st.state,
        "root_id:": rt.root_id,
        "parent_id": rt.id_of(parent),
        "version": rt.version_of(idx, st),
        "loop": st.loop,
        "retry": st.retry,
        "skip": st.skip,
        # bamboo fills error_ignorable from error_ignored; bk-sops passes it on
        "error_ignorable": st.error_ignored,
        "error_ignored": st.error_ignored,
        "children": {},
        "start_time": times(st.started),
        "finish_time": times(st.archived),
        "elapsed_time": elapsed(st.started, st.archived, now),
        "name": name,
    }


def _derive(row: dict[str, Any]) -> None:
    """bk-sops's legacy projection, bottom-up: a RUNNING parent shows its children's trouble."""
    children = row["children"].values()
    for child in children:
        _derive(child)
    if row["state"] == S.RUNNING:
        if any(child["state"] == S.FAILED for child in children):
            row["state"] = S.FAILED
        elif any(child["state"] in (S.SUSPENDED, S.NODE_SUSPENDED) for child in children):
            row["state"] = S.NODE_SUSPENDED


class StatusRender:
    """A status tree rendered once, to be handed out as fresh copies at any clock reading.

    `rows` are the tree's rows in depth-first order (the first is the answer's top), each with
    the position of its parent; `running` lists (position, start) of the rows whose elapsed
    time moves with the clock. Nothing else in the tree depends on the clock reading, so a
    render stays right until the task changes.
    """

    __slots__ = ("parents", "rows", "running", "task_name")

    def __init__(
        self,
        rows: list[dict[str, Any]],
        parents: list[int],
        running: list[tuple[int, int]],
        task_name: str,
    ) -> None:
        self.rows, self.parents, self.running, self.task_name = rows, parents, running, task_name

    def moving(self, now: int) -> tuple[int, ...]:
        """The running rows' elapsed times at `now`: all of the tree that follows the clock."""
        return tuple(elapsed(started, None, now) for _, started in self.running)

    def tree(self, now: int) -> dict[str, Any]:
        """A fresh tree (the caller may change it) with elapsed times at `now`."""
        if not self.rows:
            return created_status(self.task_name)
        copies: list[dict[str, Any]] = []
        for row, parent in zip(self.rows, self.parents, strict=True):
            copy = row.copy()
            copy["children"] = {}
            if parent >= 0:
                copies[parent]["children"][copy["id"]] = copy
            copies.append(copy)
        for pos, started in self.running:
            copies[pos]["elapsed_time"] = elapsed(started, None, now)
        return copies[0]


def render_status(
    rt: TaskRuntime, task_name: str, now: int, tz: tzinfo, subprocess_id: str | None = None
) -> StatusRender:
    """bk-sops's legacy status tree of a task (or of one subprocess node in it), rendered."""
    if rt.root is None:
        return StatusRender([], [], [], task_name)
    nodes = rt.plan.nodes
    rows: dict[int, dict[str, Any]] = {}
    times = _Times(tz)
    started: dict[int, int] = {}  # id(row) -> start, for rows still running

    def add(idx: int, st: NodeState, name: str) -> None:
        row = rows[idx] = _row(rt, idx, st, now, times, name)
        if st.started is not None and st.archived is None:
            started[id(row)] = st.started

    add(ROOT, rt.root, task_name)
    look_in_root = subprocess_id is not None  # bk-sops names sub-children from root activities
    last: NodeState = rt.root
    for idx, st in rt.states.items():
        if st.parent is None:
            continue  # appointed but never reached: no root id yet, so bamboo does not list it
        node = nodes[idx]
        add(idx, st, node.name if not (look_in_root and node.parent != ROOT) else "")
        last = st
    # bamboo's get_pipeline_states gives the root the error flags of the last state row it
    # iterated (rows come in creation order): measured against bamboo-engine 3.0.5.
    rows[ROOT]["error_ignorable"] = rows[ROOT]["error_ignored"] = last.error_ignored
    for idx, row in rows.items():
        if idx != ROOT:
            parent = rows.get(rt.states[idx].parent)  # type: ignore[arg-type]
            if parent is not None:
                parent["children"][row["id"]] = row
    if subprocess_id is None:
        top = rows[ROOT]
    else:
        found = next((row for row in rows.values() if row["id"] == subprocess_id), None)
        if found is None:
            return StatusRender([], [], [], task_name)
        top = found
        top["name"] = task_name
    _derive(top)
    return _flatten(top, started, task_name)


def _flatten(top: dict[str, Any], started: dict[int, int], task_name: str) -> StatusRender:
    rows: list[dict[str, Any]] = []
    parents: list[int] = []
    running: list[tuple[int, int]] = []
    stack: list[tuple[dict[str, Any], int]] = [(top, -1)]
    while stack:
        row, parent = stack.pop()
        pos = len(rows)
        rows.append(row)
        parents.append(parent)
        if id(row) in started:
            running.append((pos, started[id(row)]))
        # reversed, so that children come off the stack (and are re-inserted) in their order
        stack.extend((child, pos) for child in reversed(row["children"].values()))
    return StatusRender(rows, parents, running, task_name)


def status_tree(
    rt: TaskRuntime, task_name: str, now: int, tz: tzinfo, subprocess_id: str | None = None
) -> dict[str, Any]:
    return render_status(rt, task_name, now, tz, subprocess_id).tree(now)


def failed_ex_data(rt: TaskRuntime) -> dict[str, Any]:
    """ex_data of every failed leaf, subprocess children included."""
    failed: dict[str, Any] = {}
    for idx, st in rt.states.items():
        if st.state != S.FAILED or st.parent is None:
            continue
        if rt.plan.nodes[idx].kind == t.SUBPROCESS and any(
            child.state == S.FAILED and child.parent == idx for child in rt.states.values()
        ):
            continue
        failed[rt.id_of(idx)] = st.ex_data
    return failed


def node_detail(rt: TaskRuntime, idx: int, now: int) -> NodeDetail:
    node = rt.plan.nodes[idx]
    st = rt.states.get(idx)
    histories = tuple(
        NodeRun(
            version=rt.version_at(idx, h.serial),
            loop=h.loop,
            retry=h.retry,
            skip=h.skip,
            start_time=to_datetime(h.started),
            finish_time=to_datetime(h.archived),
            inputs=h.inputs,
            outputs=h.outputs,
            ex_data=h.ex_data,
        )
        for h in (st.histories or [] if st else [])
    )
    blank = NodeState(S.READY)
    current = st or blank
    return NodeDetail(
        id=rt.id_of(idx),
        name=node.name,
        type=node.kind,
        component_code=node.code,
        state=st.state if st else None,
        version=rt.version_of(idx, current) if st else "",
        loop=current.loop,
        retry=current.retry,
        skip=current.skip,
        error_ignored=current.error_ignored,
        start_time=to_datetime(current.started),
        finish_time=to_datetime(current.archived),
        elapsed_time=elapsed(current.started, current.archived, now),
        inputs=dict(current.inputs or {}),
        outputs=execution_outputs(node.kind, current) if st else {},
        ex_data=current.ex_data,
        histories=histories,
    )
