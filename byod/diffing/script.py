"""The seeded script `sops-mock diff` runs against each target, recorded step by step.

The same steps in the same order on both sides: read the template, create a task from it,
start it and poll it until it settles (a sops-mock's virtual clock is advanced through its
control API; anything else is polled in real time), pause and resume a second task, read the
failed node where the task has one, send bad inputs, and count. A step that needs a task the
target did not create is recorded as not run, so both sides keep the same step list.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from byod.client import Answer, ApiClient, TargetCallError

SETTLED = {"FINISHED", "FAILED", "REVOKED", "SUSPENDED"}
MISSING_ID = 987_654_321


@dataclass
class Step:
    name: str
    op: str
    status: int | None  # None: not run (a task it needs was not created)
    body: Any
    bad_input: bool = False


@dataclass
class Run:
    steps: list[Step] = field(default_factory=list)
    traces: dict[str, list[str]] = field(default_factory=dict)
    task_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Pace:
    """How time moves between polls: the control API of a sops-mock, or real waiting."""

    polls: int = 30
    seconds: float = 2.0
    advance: Callable[[float], None] | None = None

    def wait(self) -> None:
        if self.advance is not None:
            self.advance(self.seconds)
        else:
            time.sleep(self.seconds)


def mock_clock(origin: str, control_token: str | None) -> Callable[[float], None] | None:
    """The virtual clock of a sops-mock at `origin`, or None (wall clock, or not a mock)."""
    headers = {"Authorization": f"Bearer {control_token}"} if control_token else {}
    try:
        clock = httpx.get(f"{origin}/__mock__/clock", headers=headers, timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return None
    if not isinstance(clock, dict) or clock.get("mode") != "virtual":
        return None

    def advance(seconds: float) -> None:
        httpx.post(
            f"{origin}/__mock__/clock",
            json={"advance": seconds},
            headers={**headers, "Content-Type": "application/json"},
            timeout=10,
        )

    return advance


class Script:
    def __init__(self, client: ApiClient, bk_biz_id: int, template_id: int, pace: Pace) -> None:
        self.client, self.biz, self.template, self.pace = client, bk_biz_id, template_id, pace
        self.run = Run()

    def step(
        self,
        name: str,
        op: str,
        ids: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        bad: bool = False,
        raw: bytes | None = None,
    ) -> Answer | None:
        if ids is not None and None in ids.values():
            self.run.steps.append(Step(name, op, None, None, bad))
            return None
        try:
            answer = self.client.call(op, {"bk_biz_id": self.biz, **(ids or {})}, params, raw)
        except TargetCallError as exc:
            self.run.steps.append(Step(name, op, 0, {"transport_error": str(exc)}, bad))
            return None
        self.run.steps.append(Step(name, op, answer.status, answer.body, bad))
        return answer

    def create(self, name: str) -> int | None:
        params = {"name": f"byod-diff {name}", "constants": {}}
        answer = self.step(f"create {name}", "create_task", {"template_id": self.template}, params)
        data = answer.body.get("data") if answer and isinstance(answer.body, dict) else None
        task_id = data.get("task_id") if isinstance(data, dict) else None
        if isinstance(task_id, int):
            self.run.task_ids.append(task_id)
            return task_id
        return None

    def status(self, name: str, task: int | None) -> dict[str, Any] | None:
        answer = self.step(name, "get_task_status", {"task_id": task})
        data = answer.body.get("data") if answer and isinstance(answer.body, dict) else None
        return data if isinstance(data, dict) else None

    def execute(self) -> Run:
        tpl = {"template_id": self.template}
        self.step("template list", "get_template_list")
        self.step("template info", "get_template_info", tpl)
        main = self.create("main")
        self.status("status before start", main)
        self.step("start", "start_task", {"task_id": main})
        trace: list[str] = []
        last: dict[str, Any] | None = None
        for poll in range(self.pace.polls if main is not None else 0):
            last = self.status(f"poll {poll}", main)
            state = str((last or {}).get("state"))
            if not trace or trace[-1] != _states(last):
                trace.append(_states(last))
            if state in SETTLED:
                break
            self.pace.wait()
        self.run.traces["main"] = trace
        failed = _failed_node(last)
        if failed:
            node = {"node_id": failed}
            self.step("failed node detail", "get_task_node_detail", {"task_id": main}, node)
        second = self.create("paused")
        self.step("start paused", "start_task", {"task_id": second})
        self.step("pause", "operate_task", {"task_id": second}, {"action": "pause"})
        paused = self.status("status paused", second)
        self.step("resume", "operate_task", {"task_id": second}, {"action": "resume"})
        resumed = self.status("status resumed", second)
        self.run.traces["paused"] = [str((s or {}).get("state")) for s in (paused, resumed)]
        self.step("revoke paused", "operate_task", {"task_id": second}, {"action": "revoke"})
        missing = {"task_id": MISSING_ID}
        self.step("bad: missing task", "get_task_status", missing, bad=True)
        self.step(
            "bad: missing template", "get_template_info", {"template_id": MISSING_ID}, bad=True
        )
        self.step("bad: create without name", "create_task", tpl, {"constants": {}}, bad=True)
        self.step("bad: create not JSON", "create_task", tpl, raw=b"{not json", bad=True)
        self.step("bad: start again", "start_task", {"task_id": main}, bad=True)
        self.step(
            "bad: unknown action",
            "operate_task",
            {"task_id": main},
            {"action": "explode"},
            bad=True,
        )
        self.step("counts", "query_task_count", None, {"group_by": "status"})
        self.step("task list", "get_task_list")
        return self.run


def _states(status: dict[str, Any] | None) -> str:
    """The task's state and its named nodes' states: one entry of a state-transition trace."""
    children = (status or {}).get("children") or {}
    nodes = sorted(
        f"{child.get('name')}={child.get('state')}"
        for child in children.values()
        if isinstance(child, dict) and child.get("name")
    )
    return f"{(status or {}).get('state')} [{', '.join(nodes)}]"


def _failed_node(status: dict[str, Any] | None) -> str | None:
    for node_id, child in ((status or {}).get("children") or {}).items():
        if isinstance(child, dict) and child.get("state") == "FAILED":
            return str(node_id)
    return None
