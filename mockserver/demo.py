"""`sops-mock demo`: a scripted tour of tasks running, in the terminal, over the bk-sops API.

The tour starts a mock in this process (virtual clock) unless `--url` names a running one. It
creates tasks from several templates of the default fixture, starts them and shows them move
frame by frame while it pauses and resumes one, lets one fail (retried where the mock serves
operate_node, revoked where it does not), calls back a waiting node, revokes another, and ends
with query_task_count. Each frame moves a virtual clock a few seconds; the frames are paced in
wall time only for the eye (`--pace 0` runs as fast as it can).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from simulator import WallClock

from . import flags
from .demo_args import add_arguments as add_arguments
from .demo_http import DemoHttp, HttpFailure, Unreachable
from .demo_script import CALLBACK_AFTER, CUES, PLANS, Run, activities, progress, states
from .settings import Settings

BIZ = 2
FRAME_SECONDS = 2.0  # virtual seconds per frame
MAX_FRAMES = 90
DEADLINE_SECONDS = 45.0  # wall time the frames may take, so the tour always ends
NOTE_FRAMES = 4  # frames an event's note stays in its task's row
TERMINAL = frozenset({"FINISHED", "REVOKED"})
STYLES = {
    "CREATED": "dim",
    "READY": "dim",
    "RUNNING": "bold blue",
    "FINISHED": "bold green",
    "FAILED": "bold red",
    "SUSPENDED": "bold yellow",
    "NODE_SUSPENDED": "bold yellow",
    "REVOKED": "bold bright_black",
}


class Tour:
    def __init__(self, http: DemoHttp, console: Console, pace: float) -> None:
        self.http, self.console, self.pace = http, console, pace
        self.runs: list[Run] = []
        self.frame = 0
        self.virtual = False
        self.now = ""
        self.began: datetime | None = None
        self.elapsed = 0.0  # seconds since the tour's start, on the mock's clock

    # The scripted moments ----------------------------------------------------------------------
    def say(self, run: Run, text: str) -> None:
        run.note, run.note_frame = text, self.frame
        self.console.print(
            f"[dim]{self.now}[/]  task {run.task_id} [bold]{run.plan.name}[/]: {escape(text)}"
        )

    def act(self, run: Run, what: str, op: str, params: dict[str, Any]) -> None:
        """Call one operation on the task; a refusal is part of the show, not the end of it."""
        ids = {"bk_biz_id": BIZ, "task_id": run.task_id}
        try:
            self.http.call(op, ids, params)
        except HttpFailure as refused:
            self.say(run, f"{what} refused: {refused}")
            return
        self.say(run, what)

    def director(self, run: Run) -> None:
        key, seen = run.plan.key, run.seen
        for cue_key, at, action in CUES:
            if cue_key == key and self.elapsed >= at and action not in seen:
                seen.add(action)
                self.act(run, f"operate_task {action}", "operate_task", {"action": action})
        if key == "failing" and run.state == "FAILED" and "recover" not in seen:
            seen.add("recover")
            failed = [k for k, v in states(run.status) if v["state"] == "FAILED"]
            if self.http.has("operate_node") and failed:
                params = {"node_id": failed[-1], "action": "retry"}
                self.act(run, "a node FAILED: operate_node retry", "operate_node", params)
            else:
                what = "a node FAILED; no operate_node here: operate_task revoke"
                self.act(run, what, "operate_task", {"action": "revoke"})
        if key == "callback" and self.elapsed >= CALLBACK_AFTER and "callback" not in seen:
            waiting = self.waiting_node(run)
            if waiting:
                seen.add("callback")
                what = "node_callback: the waiting node goes on"
                self.act(run, what, "node_callback", {"node_id": waiting, "callback_data": {}})

    def waiting_node(self, run: Run) -> str | None:
        acts = dict(activities(run.tree))
        for node_id, state in states(run.status):
            code = acts.get(node_id, {}).get("component", {}).get("code")
            if state["state"] == "RUNNING" and code == "pause_node":
                return node_id
        return None

    # The show ------------------------------------------------------------------------------------
    def view(self) -> Table:
        table = Table(title=f"sops-mock tour · {self.now}", title_justify="left")
        for column in ("task", "tpl", "state", "progress", "nodes", "now"):
            table.add_column(column, no_wrap=column != "now")
        for run in self.runs:
            done, total, running = progress(run)
            bar = ProgressBar(total=max(total, 1), completed=done, width=12)
            table.add_row(
                f"{run.task_id} {run.plan.name}",
                str(run.plan.template_id),
                Text(run.state, style=STYLES.get(run.state, "")),
                bar,
                f"{done}/{total}",
                # Text, not markup: notes quote the mock's messages, which may hold brackets.
                Text(run.note if self.frame - run.note_frame < NOTE_FRAMES else ", ".join(running)),
            )
        return table

    def refresh(self) -> None:
        clock = self.http.clock()
        if clock is None:
            # No control API: the mock's time is unknown, so frames stand in for it.
            self.now, self.elapsed = f"frame {self.frame}", self.frame * FRAME_SECONDS
        else:
            now = datetime.fromisoformat(clock["now"])
            self.began = self.began or now
            self.now = now.strftime("%Y-%m-%d %H:%M:%S")
            self.elapsed = (now - self.began).total_seconds()
        for run in self.runs:
            ids = {"bk_biz_id": BIZ, "task_id": run.task_id}
            run.status = self.http.call("get_task_status", ids, {})["data"]

    def create(self) -> None:
        for plan in PLANS:
            if plan.needs and not self.http.has(plan.needs):
                continue
            body = {"name": f"demo: {plan.name}", "constants": plan.constants}
            ids = {"bk_biz_id": BIZ, "template_id": plan.template_id}
            data = self.http.call("create_task", ids, body)["data"]
            self.runs.append(Run(plan, int(data["task_id"]), data["pipeline_tree"]))
        for run in self.runs:
            self.http.call("start_task", {"bk_biz_id": BIZ, "task_id": run.task_id}, {})
        legend = Table(title="created and started", title_justify="left", box=None)
        for column in ("task", "template", "what it shows"):
            legend.add_column(column)
        for run in self.runs:
            legend.add_row(
                f"{run.task_id} {run.plan.name}", str(run.plan.template_id), Text(run.plan.shows)
            )
        self.console.print(legend)

    def play(self, sleep: Callable[[float], None]) -> None:
        clock = self.http.clock()
        self.virtual = bool(clock and clock.get("mode") == "virtual")
        wall = WallClock()
        began = wall.now()
        self.refresh()
        with Live(self.view(), console=self.console, auto_refresh=False) as live:
            while self.frame < MAX_FRAMES:
                if all(r.state in TERMINAL for r in self.runs):
                    break
                if (wall.now() - began).total_seconds() > DEADLINE_SECONDS:
                    self.console.print(
                        "[yellow]time is up: some tasks are still running. A mock on a wall "
                        "clock moves at its own pace: serve it with --speed 20 or --clock "
                        "virtual for the whole tour.[/]"
                    )
                    break
                self.frame += 1
                if self.virtual:
                    self.http.advance(FRAME_SECONDS)
                sleep(self.pace)
                self.refresh()
                for run in self.runs:
                    self.director(run)
                live.update(self.view(), refresh=True)
            else:
                self.console.print(f"[yellow]{MAX_FRAMES} frames played; tasks still running[/]")
            self.refresh()
            live.update(self.view(), refresh=True)
        self.console.print()

    def counts(self) -> None:
        answer = self.http.call("query_task_count", {"bk_biz_id": BIZ}, {"group_by": "status"})
        self.console.print(f"query_task_count of business {BIZ}, grouped by status:")
        table = Table()
        table.add_column("code")
        table.add_column("name")
        table.add_column("tasks", justify="right")
        for group in answer["data"]["groups"]:
            table.add_row(Text(group["code"]), Text(group["name"]), str(group["value"]))
        table.add_row("", "total", str(answer["data"]["total"]), style="bold")
        self.console.print(table)
        # bk-sops marks a revoked task revoked, not finished, so it counts as executing.
        revoked = sum(1 for r in self.runs if r.state == "REVOKED")
        if revoked:
            self.console.print(
                f"[dim]{revoked} revoked task(s) count as EXECUTING, as in bk-sops[/]"
            )


@contextmanager
def _target(url: str | None, seed: int) -> Iterator[tuple[str, bool]]:
    """The base URL of the mock to tour, and whether it is this process's own."""
    if url:
        yield url.rstrip("/"), False
        return
    from .running import RunningMock

    with RunningMock(Settings(clock="virtual", seed=seed)) as mock:
        yield mock.base_url, True


def run(
    args: argparse.Namespace,
    console: Console | None = None,
    sleep: Callable[[float], None] | None = None,
) -> int:
    import time

    console = console or Console()
    sleep = sleep or time.sleep
    identity = {"bk_app_code": args.app_code, "bk_username": args.username}
    if args.app_secret:
        identity["bk_app_secret"] = args.app_secret
    with _target(args.url, args.seed) as (base_url, own):
        http = DemoHttp(base_url, identity, args.control_token)
        dashboard = f"{base_url}/__mock__/ui/"
        try:
            clock = http.clock()
            http.ops()
        except (Unreachable, HttpFailure) as failure:
            raise flags.StartupError(
                f"--url {base_url}: {failure}; start a mock there (sops-mock serve) or leave "
                "--url out to tour one in this process"
            ) from None
        if clock is not None:
            console.print(
                f"dashboard: [link={dashboard}]{dashboard}[/link] (open it while the tour runs)"
            )
        else:
            console.print(
                "[yellow]no control API answers (off, or --control-token missing): the tour "
                "cannot read or move the mock's clock; tasks move only as that clock does[/]"
            )
        tour = Tour(http, console, max(args.pace, 0.0))
        try:
            tour.create()
            tour.play(sleep)
            tour.counts()
        except HttpFailure as failure:
            console.print(f"[red]the tour stopped: {escape(str(failure))}[/]")
            return 1
        if own and args.keep:
            console.print(f"still serving at {base_url} (dashboard {dashboard}); Ctrl-C stops it")
            try:
                while True:
                    sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0
