"""Values the engine hands out: templates in, task and node snapshots and counts out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple

from .instance import TreeSource


@dataclass(frozen=True)
class TemplateSpec:
    """A template as the engine needs it; `tree` is the bk-sops web pipeline tree."""

    template_id: int
    project_id: int
    name: str
    category: str
    tree: Mapping[str, Any]
    source: str = "project"

    def to_dict(self) -> dict[str, Any]:
        return {
            "template_id": self.template_id,
            "project_id": self.project_id,
            "name": self.name,
            "category": self.category,
            "tree": self.tree,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TemplateSpec:
        return cls(
            template_id=int(data["template_id"]),
            project_id=int(data["project_id"]),
            name=str(data["name"]),
            category=str(data["category"]),
            tree=data["tree"],
            source=str(data.get("source", "project")),
        )


class NewTask(NamedTuple):
    """What `Engine.new_task` gives: the task's id and what its execution tree is made from."""

    id: int
    pipeline_id: str
    tree_source: TreeSource

    @property
    def pipeline_tree(self) -> dict[str, Any]:
        """The execution tree, built (as TaskInfo.pipeline_tree, but not kept)."""
        return self.tree_source.build()


@dataclass(frozen=True)
class TaskInfo:
    """A snapshot of one task. `pipeline_tree` and `constants` are built on first access."""

    id: int
    project_id: int
    template_id: int
    template_source: str
    name: str
    creator: str
    executor: str
    description: str
    flow_type: str
    current_flow: str
    create_method: str
    create_info: str
    category: str
    create_time: datetime
    start_time: datetime | None
    finish_time: datetime | None
    is_started: bool
    is_finished: bool
    is_revoked: bool
    state: str  # the engine's root state, or "CREATED" before start
    elapsed_time: int
    pipeline_id: str
    constants_keys: tuple[str, ...]  # every key the caller passed, known or not
    tree_source: TreeSource = field(compare=False, repr=False)

    @classmethod
    def of(cls, **values: Any) -> TaskInfo:
        """The same snapshot as `TaskInfo(**values)`, built in a twentieth of the time.

        A frozen dataclass's `__init__` sets each of these 25 fields through
        `object.__setattr__`; the engine builds one for every task it lists or looks up, so it
        fills the instance's dict at once instead.
        """
        assert values.keys() == _TASK_INFO_FIELDS, sorted(values.keys() ^ _TASK_INFO_FIELDS)
        info = object.__new__(cls)
        info.__dict__.update(values)
        return info

    @cached_property
    def pipeline_tree(self) -> dict[str, Any]:
        """The execution tree (new ids, constants applied) as create_task returns it."""
        return self.tree_source.build()

    @cached_property
    def constants(self) -> dict[str, Any]:
        constants: dict[str, Any] = self.pipeline_tree.get("constants", {})
        return constants


_TASK_INFO_FIELDS = frozenset(f.name for f in fields(TaskInfo))


@dataclass(frozen=True)
class NodeRun:
    """One earlier run of a node (bamboo's history row)."""

    version: str
    loop: int
    retry: int
    skip: bool
    start_time: datetime | None
    finish_time: datetime | None
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    ex_data: Any


@dataclass(frozen=True)
class NodeDetail:
    """A node's current run and its history; `state` is None before the node is reached."""

    id: str
    name: str
    type: str
    component_code: str
    state: str | None
    version: str
    loop: int
    retry: int
    skip: bool
    error_ignored: bool
    start_time: datetime | None
    finish_time: datetime | None
    elapsed_time: int
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    ex_data: Any
    histories: tuple[NodeRun, ...]


@dataclass(frozen=True)
class CountResult:
    """Grouped task counts; `groups` are (code, count) pairs in bk-sops's order.

    `total` is the number of tasks matching the conditions for every group_by. (bk-sops answers
    `total: 1` for group_by=category; reproducing that is the HTTP layer's choice.)
    """

    total: int
    groups: list[tuple[str, int]]


class TaskEnd(NamedTuple):
    """A task ended, or one of its nodes failed (bk-sops calls a task's callback_url for each).

    `how` is "finished" or "revoked" (the pipeline, `node_id` None) or "failed" (`node_id`).
    """

    task_id: int
    at: datetime
    how: str
    node_id: str | None
