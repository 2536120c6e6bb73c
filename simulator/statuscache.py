"""Rendered status trees, kept per task and rendered again only after the task changed."""

from __future__ import annotations

from datetime import tzinfo

from . import views
from .runtime import TaskRuntime
from .task import Task

# Status trees kept rendered (per task, latest key only); the least recently read go first.
STATUS_CACHE_TASKS = 4096
ViewKey = tuple[int, tzinfo, str | None, str]


class StatusCache:
    """task id -> (runtime, key, render) of the task's latest read."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[TaskRuntime, ViewKey, views.StatusRender]] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def render(
        self, task: Task, at: int, tz: tzinfo, subprocess_id: str | None
    ) -> views.StatusRender:
        """The task's rendered status tree, rendered again only after the task changed.

        Everything in it but the running rows' elapsed times is a function of the runtime's
        state, which changes only through the engine's operations, each of which bumps
        `changes` first; the elapsed times are filled in per read.
        """
        runtime, cache = task.runtime, self._kept
        key = (runtime.changes, tz, subprocess_id, task.name)
        kept = cache.pop(task.id, None)
        if kept is not None and kept[0] is runtime and kept[1] == key:
            render = kept[2]
        else:
            render = views.render_status(runtime, task.name, at, tz, subprocess_id)
            if len(cache) >= STATUS_CACHE_TASKS:
                del cache[next(iter(cache))]
        cache[task.id] = (runtime, key, render)
        return render
