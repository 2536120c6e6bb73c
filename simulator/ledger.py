"""What bk-sops keeps beside the run: the claim of a functional task and the operation records.

A `common_func` task waits in current_flow "func_claim" until someone claims it
(gcloud/taskflow3/models.py `task_claim`); only then may it start. bk-sops's API views also
write a TaskOperateRecord after each successful create, start, task action and node action
(gcloud/contrib/operate_record): the HTTP layer says when (`note`), the engine keeps the rows in
the task's operation log, so a rebuilt task has them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .errors import InvalidOperation
from .task import Task


class OperateRecord(NamedTuple):
    """One TaskOperateRecord row: when (µs), who, what, and the node for node actions."""

    at: int
    operator: str
    operate_type: str
    node_id: str


def claim(task: Task, args: Mapping[str, Any], at: int) -> None:
    """args: "claimant" and "name" (a new task name, or "" to keep it)."""
    if task.current_flow != "func_claim":
        text = f"task with current_flow:{task.current_flow} cannot be claimed"
        raise InvalidOperation(text, task_id=task.id, action="claim")
    task.claimant = args["claimant"]
    if args["name"]:
        task.name = args["name"]
    task.runtime.changes += 1  # the status tree carries the task's name
    task.ops.append((at, "claim", dict(args)))


def note(task: Task, args: Mapping[str, Any], at: int) -> None:
    """args: "operator", "operate_type" and "node_id" ("" for a task operation).

    On the hot path (every create and start): the engine and the replay hand a fresh dict.
    """
    task.ops.append((at, "record", args if type(args) is dict else dict(args)))


def records(task: Task) -> list[OperateRecord]:
    """The task's operation records, oldest first (bk-sops's table order)."""
    return [
        OperateRecord(at, args["operator"], args["operate_type"], args["node_id"])
        for at, name, args in task.ops
        if name == "record"
    ]
