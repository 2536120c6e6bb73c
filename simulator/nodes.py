"""The records the runtime keeps: a node's state row, its history, and branch processes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import states as S
from . import tree as t
from .conditions import render
from .scenarios import Scenario

ROOT = -1  # the root pipeline, where a node index is expected


@dataclass(slots=True, eq=False)
class History:
    serial: int
    loop: int
    retry: int
    skip: bool
    started: int | None
    archived: int | None
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    ex_data: Any


@dataclass(slots=True, eq=False)
class NodeState:
    state: str
    serial: int = 0  # how many times the version was refreshed
    loop: int = 1
    inner_loop: int = 1
    retry: int = 0
    skip: bool = False
    error_ignored: bool = False
    started: int | None = None
    archived: int | None = None
    parent: int | None = None  # None until a process reaches the node (appointments)
    pid: int = -1
    waiting: str = ""  # "schedule" | "poll" | "callback" while an activity runs
    ok: bool = True  # the planned result of a scheduled run
    polls: int = 0
    elapsed: bool = False
    runs: int = 0
    scenario: Scenario | None = None
    inputs: Mapping[str, Any] | None = None  # may be shared with the plan: never mutated
    # What a retry with inputs stored in place of the component's data (bamboo's Data row):
    # key -> (need_render, value), None until then
    retry_inputs: dict[str, tuple[bool, Any]] | None = None
    outputs: Mapping[str, Any] | None = None  # the plugin's own outputs, shared likewise
    ex_data: Any = None
    histories: list[History] | None = None
    shown: tuple[int, str] | None = None  # (serial, version string), cached for views
    # bamboo's Schedule row of the current version: "" (none), "open", "finished" or "expired";
    # earlier versions' schedules are kept by the runtime (TaskRuntime.refresh_version)
    schedule: str = ""


@dataclass(slots=True, eq=False)
class Process:
    pid: int
    current: int
    destination: int = -2
    parent: int = -1
    stack: list[int] = field(default_factory=list)  # subprocess nodes entered, outermost first
    asleep: bool = False
    suspended_by: int | None = None  # ROOT, a subprocess node or an appointed node
    dead: bool = False
    need_ack: int = 0
    ack_num: int = 0


def execution_outputs(kind: str, st: NodeState) -> dict[str, Any]:
    """bamboo's execution outputs of a node: the plugin's outputs plus the engine's keys."""
    out = dict(st.outputs or {})
    if kind == t.ACTIVITY and st.archived is not None:
        out.update(_result=st.ok, _loop=st.loop, _inner_loop=st.inner_loop)
    elif kind == t.SUBPROCESS and st.state == S.FINISHED:
        out.update(_loop=st.loop, _inner_loop=st.inner_loop)
    if st.ex_data is not None:
        out["ex_data"] = st.ex_data
    return out


def resolve(values: dict[str, Any], rounds: int = 8) -> dict[str, Any]:
    """Render constants that refer to other constants until nothing changes."""
    for _ in range(rounds):
        rendered = {key: render(value, values) for key, value in values.items()}
        if rendered == values:
            break
        values = rendered
    return values
