"""Periodic tasks: a template tree, a crontab and a switch; each due run makes a started task.

bk-sops keeps a periodic task as a pipeline-level record (bamboo-pipeline's
contrib/periodic_task: name, tree snapshot, cron text, total_run_count, last_run_at) plus a
django-celery-beat entry that celery beat fires. Here the book holds the records and the moment
each enabled one fires next; the engine asks `due` before it runs any scheduled work, so runs
happen at their own clock readings, in order with everything else (DESIGN.md section 4).

When a run falls due is celery beat's rule: the first minute the crontab allows after the last
run, or after the moment the task was (re-)enabled; a disabled task never runs and a new task
starts disabled (bamboo-pipeline creates the beat entry with enabled=False).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from . import ids, views
from .cron import Crontab
from .errors import PeriodicTaskNotFound
from .instance import renamed_tree
from .models import TemplateSpec

NEVER: Final = 1 << 62


@dataclass
class PeriodicTask:
    """One periodic task; times are µs since the epoch (UTC)."""

    id: int
    project_id: int
    template: TemplateSpec  # its tree: the template's, minus excluded nodes, values applied
    template_source: str
    template_version: str
    name: str
    creator: str
    cron: Crontab
    create_time: int
    edit_time: int
    editor: str = ""
    enabled: bool = False
    total_run_count: int = 0
    last_run_at: int | None = None
    # When an enabled task fires next (NEVER when disabled or when the crontab never fires).
    next_run: int = NEVER
    # The moment the next run is counted from: the last run, or when it was last enabled.
    anchor: int | None = field(default=None)


@dataclass(frozen=True)  # not slotted: pipeline_tree is a cached property
class PeriodicInfo:
    """A periodic task as read by a caller (times as aware UTC datetimes)."""

    id: int
    project_id: int
    template_id: int
    template_source: str
    template_version: str
    name: str
    creator: str
    cron: str
    enabled: bool
    total_run_count: int
    last_run_at: datetime | None
    next_run_at: datetime | None
    create_time: datetime
    editor: str
    edit_time: datetime
    tree: Mapping[str, Any]  # the tree runs start from (template ids)
    seed: int

    @functools.cached_property
    def pipeline_tree(self) -> dict[str, Any]:
        """The tree as bk-sops shows it (see `shown_tree`); built on first read only."""
        return shown_tree(self.tree, self.seed, self.id)

    @property
    def form(self) -> dict[str, Any]:
        """The constants a user fills in (show_type "show"), as bamboo-pipeline's `form`."""
        constants = self.pipeline_tree.get("constants") or {}
        return {k: v for k, v in constants.items() if v.get("show_type") == "show"}


def shown_tree(tree: Mapping[str, Any], seed: int, periodic_id: int) -> dict[str, Any]:
    """The tree as bk-sops keeps it: created with fresh node and flow ids (replace_id), each
    activity naming its template node. Runs start from the template's ids, as their tasks'
    template_node_id show, so scenarios set per template node apply to them."""

    def name(kind: str, path: str) -> str:
        return ids.periodic_node_id(seed, periodic_id, kind, path)

    root = ids.periodic_node_id(seed, periodic_id, "node", "\x1fpipeline")
    return renamed_tree(tree, {}, name, root)


def info(task: PeriodicTask, seed: int) -> PeriodicInfo:
    return PeriodicInfo(
        id=task.id,
        project_id=task.project_id,
        template_id=task.template.template_id,
        template_source=task.template_source,
        template_version=task.template_version,
        name=task.name,
        creator=task.creator,
        cron=task.cron.render(),
        enabled=task.enabled,
        total_run_count=task.total_run_count,
        last_run_at=views.to_datetime(task.last_run_at),
        next_run_at=None if task.next_run == NEVER else views.to_datetime(task.next_run),
        create_time=_moment(task.create_time),
        editor=task.editor,
        edit_time=_moment(task.edit_time),
        tree=task.template.tree,
        seed=seed,
    )


def _moment(us: int) -> datetime:
    moment = views.to_datetime(us)
    assert moment is not None
    return moment


def _next(cron: Crontab, after: int) -> int:
    found = cron.next_after(_moment(after))
    return NEVER if found is None else views.to_us(found)


class PeriodicBook:
    """The periodic tasks of one engine and the earliest moment one of them fires (`due`)."""

    def __init__(self) -> None:
        self.tasks: dict[int, PeriodicTask] = {}
        self.next_id = 1
        self.due = NEVER

    def _refresh(self) -> None:
        self.due = min((t.next_run for t in self.tasks.values()), default=NEVER)

    def get(self, periodic_id: int) -> PeriodicTask:
        task = self.tasks.get(periodic_id)
        if task is None:
            raise PeriodicTaskNotFound(periodic_id)
        return task

    def of_project(self, project_id: int) -> Iterator[PeriodicTask]:
        """Newest first, as bk-sops orders them (Meta.ordering = ["-id"])."""
        for periodic_id in sorted(self.tasks, reverse=True):
            if self.tasks[periodic_id].project_id == project_id:
                yield self.tasks[periodic_id]

    def add(self, task: PeriodicTask) -> PeriodicTask:
        task.id = self.next_id
        self.next_id += 1
        self.tasks[task.id] = task
        return task

    def set_enabled(self, task: PeriodicTask, enabled: bool, at: int) -> None:
        if enabled and not task.enabled:
            task.anchor, task.next_run = at, _next(task.cron, at)
        elif not enabled:
            task.anchor, task.next_run = None, NEVER
        task.enabled = enabled
        self._refresh()

    def set_cron(self, task: PeriodicTask, cron: Crontab, at: int) -> None:
        # bk-sops switches an enabled task off and on around the change, so the new schedule
        # counts from now.
        task.cron = cron
        if task.enabled:
            task.anchor, task.next_run = at, _next(cron, at)
        self._refresh()

    def set_constants(self, task: PeriodicTask, values: Mapping[str, Any]) -> dict[str, Any]:
        tree = copy.deepcopy(dict(task.template.tree))
        constants = tree.get("constants") or {}
        for key, value in values.items():
            if key in constants:
                constants[key]["value"] = value
        task.template = replace(task.template, tree=tree)
        return constants

    def take_due(self, at: int) -> list[PeriodicTask]:
        """The tasks that fire at `at` (by id), each moved on to its next run."""
        fired = [t for _, t in sorted(self.tasks.items()) if t.next_run == at]
        for task in fired:
            task.total_run_count += 1
            task.last_run_at = task.anchor = at
            task.next_run = _next(task.cron, at)
        self._refresh()
        return fired

    def share(self, templates: Iterable[TemplateSpec]) -> None:
        """Let each task use the equal template object its earlier runs use (after an import):
        a snapshot then lists the template once, as the live engine's does."""
        distinct = list({id(t): t for t in templates}.values())
        for task in self.tasks.values():
            # Equal as dicts is not enough: the shown form lists constants in the tree's order,
            # so only a tree with the same order (the same JSON) may stand in for this one.
            mine = json.dumps(task.template.to_dict())
            task.template = next(
                (t for t in distinct if t == task.template and json.dumps(t.to_dict()) == mine),
                task.template,
            )

    # snapshots --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"next_id": self.next_id, "tasks": [_record(t) for t in self.tasks.values()]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PeriodicBook:
        book = cls()
        for record in data.get("tasks", []):
            task = _from_record(record)
            book.tasks[task.id] = task
        book.next_id = int(data.get("next_id", 1))
        book._refresh()
        return book


def _iso(us: int | None) -> str | None:
    moment = views.to_datetime(us)
    return None if moment is None else moment.isoformat()


def _us(text: Any) -> int | None:
    return None if text is None else views.to_us(datetime.fromisoformat(str(text)))


def _record(task: PeriodicTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "project_id": task.project_id,
        "template": task.template.to_dict(),
        "template_source": task.template_source,
        "template_version": task.template_version,
        "name": task.name,
        "creator": task.creator,
        "cron": dict(task.cron.fields),
        "timezone": task.cron.timezone,
        "create_time": _iso(task.create_time),
        "edit_time": _iso(task.edit_time),
        "editor": task.editor,
        "enabled": task.enabled,
        "total_run_count": task.total_run_count,
        "last_run_at": _iso(task.last_run_at),
        "anchor": _iso(task.anchor),
    }


def _from_record(record: Mapping[str, Any]) -> PeriodicTask:
    cron = Crontab.parse(dict(record["cron"]), str(record["timezone"]))
    create_time, edit_time = _us(record["create_time"]), _us(record["edit_time"])
    if create_time is None or edit_time is None:
        raise ValueError("a periodic task needs its create_time and edit_time")
    anchor = _us(record.get("anchor"))
    enabled = bool(record["enabled"])
    return PeriodicTask(
        id=int(record["id"]),
        project_id=int(record["project_id"]),
        template=TemplateSpec.from_dict(record["template"]),
        template_source=str(record["template_source"]),
        template_version=str(record["template_version"]),
        name=str(record["name"]),
        creator=str(record["creator"]),
        cron=cron,
        create_time=create_time,
        edit_time=edit_time,
        editor=str(record["editor"]),
        enabled=enabled,
        total_run_count=int(record["total_run_count"]),
        last_run_at=_us(record.get("last_run_at")),
        next_run=_next(cron, anchor) if enabled and anchor is not None else NEVER,
        anchor=anchor,
    )
