"""Task ends with their clock readings: a node failed, the pipeline finished or was revoked.

bk-sops's signal handlers call a task's callback_url for each of them. The runtime notes them
as its rows change state (`TaskRuntime.ended`); the engine, which knows the clock reading of
the step that made them, hands them here after each step.
"""

from __future__ import annotations

from collections.abc import Mapping

from .models import TaskEnd
from .nodes import ROOT
from .runtime import TaskRuntime
from .states import FAILED
from .task import Task
from .views import to_datetime


class TaskEnds:
    """The log; kept only while `keep` is on (nobody may ever read it otherwise)."""

    def __init__(self) -> None:
        self.keep = False
        self._log: list[tuple[int, int, int, str]] = []  # (µs, task id, node, state)

    def note(self, rt: TaskRuntime, at: int) -> None:
        if self.keep:
            self._log.extend((at, rt.task_id, idx, to) for idx, to in rt.ended)
        rt.ended.clear()

    def take(self, tasks: Mapping[int, Task]) -> list[TaskEnd]:
        log, self._log = self._log, []
        out = []
        for at, task_id, idx, to in log:
            node = None if idx == ROOT else tasks[task_id].runtime.id_of(idx)
            moment = to_datetime(at)
            assert moment is not None
            out.append(TaskEnd(task_id, moment, "failed" if to == FAILED else to.lower(), node))
        return out

    def forget(self, tasks: Mapping[int, Task]) -> None:
        """Drop everything noted so far (a replay's ends are the past, not news)."""
        self._log = []
        for task in tasks.values():
            task.runtime.ended.clear()
