"""The real side, in-process and deterministic: bamboo-engine on Django + in-memory SQLite.

bamboo-pipeline's runtime reaches Celery only through three methods of its task mixin
(execute, schedule, set_next_schedule). `VirtualRuntime` overrides them to push onto a queue
ordered by virtual time (then by push order), and the runner pops entries and runs what
`pipeline/eri/celery/tasks.py` runs for each: `Engine(runtime).execute` / `.schedule` with the
same interrupters. Every state write is recorded from the `post_set_state` signal.

Import this module only with the engine-diff extra installed; `setup()` configures Django once
per process.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from enginediff.scenario import Action, Scenario
from enginediff.simside import SEED, TASK_NAME, SimRun
from enginediff.trace import ROOT, Sample, Trace, derive_legacy, normal_api
from enginediff.trees import SUBPROCESS, engine_tree, nodes

_READY = False


def setup() -> None:
    """Configure Django (settings of enginediff.real) and create the tables, once."""
    global _READY
    if _READY:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enginediff.real.settings")
    import django
    from django.core.management import call_command

    # bamboo-pipeline's models use Django APIs Django 4.2 deprecates: not ours to fix
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
    # The engine logs every refused operation with a traceback; the trace records the refusal.
    for name in ("bamboo_engine", "pipeline", "celery", "root"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
    _READY = True


class Recorder:
    """Collects post_set_state signals: per node, the states written, in order."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str]] = []

    def __call__(self, sender: Any = None, **kwargs: Any) -> None:
        self.writes.append((str(kwargs["node_id"]), str(kwargs["to_state"])))

    def per_node(self, back: Mapping[str, str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for node, state in self.writes:
            out.setdefault(back.get(node, node), []).append(state)
        return out


def _virtual_runtime(push: Callable[[int, str, dict[str, Any]], None]) -> Any:
    from pipeline.eri.runtime import BambooDjangoRuntime

    class VirtualRuntime(BambooDjangoRuntime):
        def execute(
            self,
            process_id: int,
            node_id: str,
            root_pipeline_id: str,
            parent_pipeline_id: str,
            recover_point: Any = None,
            headers: Any = None,
        ) -> None:
            args = {
                "process_id": process_id,
                "node_id": node_id,
                "root_pipeline_id": root_pipeline_id,
                "parent_pipeline_id": parent_pipeline_id,
            }
            push(0, "execute", args)

        def schedule(
            self,
            process_id: int,
            node_id: str,
            schedule_id: str,
            callback_data_id: int | None = None,
            recover_point: Any = None,
            headers: Any = None,
        ) -> None:
            args = {
                "process_id": process_id,
                "node_id": node_id,
                "schedule_id": schedule_id,
                "callback_data_id": callback_data_id,
            }
            push(0, "schedule", args)

        def set_next_schedule(
            self,
            process_id: int,
            node_id: str,
            schedule_id: str,
            schedule_after: int,
            headers: Any = None,
            callback_data_id: int | None = None,
        ) -> None:
            args = {
                "process_id": process_id,
                "node_id": node_id,
                "schedule_id": schedule_id,
                "callback_data_id": callback_data_id,
            }
            push(int(schedule_after), "schedule", args)

    return VirtualRuntime()


def run_entry(runtime: Any, kind: str, args: Mapping[str, Any]) -> None:
    """What pipeline.eri.celery.tasks.execute / .schedule do with one message."""
    from bamboo_engine.engine import Engine
    from bamboo_engine.eri import ExecuteInterruptPoint, ScheduleInterruptPoint
    from bamboo_engine.interrupt import (
        ExecuteInterrupter,
        ExecuteKeyPoint,
        ScheduleInterrupter,
        ScheduleKeyPoint,
    )

    if kind == "execute":
        interrupter = ExecuteInterrupter(
            runtime=runtime,
            current_node_id=args["node_id"],
            process_id=args["process_id"],
            parent_pipeline_id=args["parent_pipeline_id"],
            root_pipeline_id=args["root_pipeline_id"],
            check_point=ExecuteInterruptPoint(name=ExecuteKeyPoint.ENTRY),
            recover_point=None,
            headers={},
        )
        Engine(runtime).execute(interrupter=interrupter, headers={}, **args)
    else:
        sinterrupter = ScheduleInterrupter(
            runtime=runtime,
            process_id=args["process_id"],
            current_node_id=args["node_id"],
            schedule_id=args["schedule_id"],
            callback_data_id=args["callback_data_id"],
            check_point=ScheduleInterruptPoint(name=ScheduleKeyPoint.ENTRY),
            recover_point=None,
            headers={},
        )
        Engine(runtime).schedule(interrupter=sinterrupter, headers={}, **args)


class RealSide:
    """Operations and views shared by the deterministic and the worker runners."""

    def __init__(self, scenario: Scenario, runtime: Any, side: str, seed: int = SEED) -> None:
        # The simulator hands out the execution tree (fresh ids): run exactly that tree here.
        sim = SimRun(scenario, seed)
        self.scenario = scenario
        self.run_tree, self.ids, self.back = sim.run_tree, sim.ids, dict(sim.back)
        self.root_id: str = self.run_tree["id"]
        by_run = {self.ids[k]: v for k, v in scenario.behaviours.items() if k in self.ids}
        self.tree = engine_tree(self.run_tree, by_run, scenario.constants)
        self.runtime = runtime
        self.trace = Trace(side)
        self.names = _names(self.run_tree)
        self.all_ids = [n["id"] for n in nodes(self.run_tree)]

    def apply(self, action: Action) -> bool:
        """Do what bk-sops's task and node dispatchers do for the action (bamboo_engine.api)."""
        from bamboo_engine import api

        rt, node = self.runtime, self.ids.get(action.node, action.node)
        if action.op == "start":
            res = api.run_pipeline(
                runtime=rt,
                pipeline=self.tree,
                root_pipeline_data={"executor": "admin"},
                root_pipeline_context={},
                subprocess_context={},
                cycle_tolerate=True,
            )
        elif action.op in ("pause", "resume", "revoke"):
            res = getattr(api, f"{action.op}_pipeline")(runtime=rt, pipeline_id=self.root_id)
        elif action.op == "pause_subproc":
            res = api.pause_pipeline(runtime=rt, pipeline_id=node)
        elif action.op == "resume_subproc":
            res = api.resume_pipeline(runtime=rt, pipeline_id=node)
        elif action.op == "retry":
            # bk-sops's retry_v2 reads the node's Data first (gateways and events have none)
            if not api.get_data(runtime=rt, node_id=node).result:
                return False
            data = None
            if action.inputs is not None:
                behaviour = self._behaviour_input(node)
                data = {**dict(action.inputs), "behaviour": behaviour}
            res = api.retry_node(runtime=rt, node_id=node, data=data)
        elif action.op == "skip":
            res = api.skip_node(runtime=rt, node_id=node)
        elif action.op == "skip_exg":
            flow = self.ids.get(action.flow, action.flow)
            res = api.skip_exclusive_gateway(runtime=rt, node_id=node, flow_id=flow)
        elif action.op == "forced_fail":
            text = "The node has been terminated by admin."
            res = api.forced_fail_activity(runtime=rt, node_id=node, ex_data=text)
        else:  # callback: bk-sops hands the node's current version
            version = self._version(node)
            if version is None:
                return False
            res = api.callback(runtime=rt, node_id=node, version=version, data={"ok": action.ok})
        return bool(res.result)

    def _behaviour_input(self, node: str) -> Any:
        from enginediff.trees import walk_activities

        for act in walk_activities(self.tree):
            if act["id"] == node and act.get("type") != SUBPROCESS:
                return act["component"]["inputs"]["behaviour"]["value"]
        return {}

    def _version(self, node: str) -> str | None:
        from pipeline.eri.models import State

        row = State.objects.filter(node_id=node).first()
        return None if row is None else str(row.version)

    def rows(self) -> Sample:
        from pipeline.eri.models import State

        out: Sample = {}
        for st in State.objects.filter(node_id__in=self.all_ids):
            row = (st.name, st.loop, st.retry, bool(st.skip), bool(st.error_ignored))
            out[self.back.get(st.node_id, st.node_id)] = row
        top = self.status_tree()
        if top is not None:
            out[ROOT] = (top["state"], 1, 0, False, False)
        return out

    def status_tree(self) -> dict[str, Any] | None:
        """get_task_status's data as bk-sops's view builds it from the engine (legacy format)."""
        from bamboo_engine import api

        res = api.get_pipeline_states(
            runtime=self.runtime, root_id=self.root_id, flat_children=False
        )
        if not res.result or not res.data:
            return None
        tree = res.data[self.root_id]
        _shape(tree, self.names, TASK_NAME)
        derive_legacy(tree)
        return dict(tree)

    def finish(self) -> Trace:
        tree = self.status_tree()
        self.trace.api = {} if tree is None else normal_api(tree, self.back)
        return self.trace


def _names(run_tree: Mapping[str, Any]) -> dict[str, str]:
    """add_node_name_to_status_tree: names come from activities only (nested pipelines too)."""
    out: dict[str, str] = {}
    for act in run_tree["activities"].values():
        out[act["id"]] = act.get("name") or ""
        if act.get("type") == SUBPROCESS:
            out.update(_names(act["pipeline"]))
    return out


def _shape(tree: dict[str, Any], names: Mapping[str, str], name: str) -> None:
    """Format one state row as bk-sops does: times renamed, created_time dropped, name added."""
    tree.pop("created_time", None)
    tree["start_time"] = tree.pop("started_time", None)
    tree["finish_time"] = tree.pop("archived_time", None)
    tree["elapsed_time"] = 0
    tree["name"] = name
    for node_id, child in tree["children"].items():
        _shape(child, names, names.get(node_id, ""))


def clear_tables() -> None:
    """Empty the engine's tables: runs of one template reuse the simulator's derived ids."""
    from django.apps import apps

    for model in apps.get_app_config("eri").get_models():
        model.objects.all().delete()


class DeterministicRun:
    """One scenario on the real engine in virtual time; `run()` gives the trace."""

    def __init__(self, scenario: Scenario) -> None:
        setup()
        clear_tables()
        self.now = 0
        self._queue: list[tuple[int, int, str, dict[str, Any]]] = []
        self._seq = itertools.count()
        runtime = _virtual_runtime(self._push)
        self.side = RealSide(scenario, runtime, "real")

    def _push(self, after: int, kind: str, args: dict[str, Any]) -> None:
        heapq.heappush(self._queue, (self.now + max(after, 0), next(self._seq), kind, args))

    def _drain(self) -> None:
        while self._queue and self._queue[0][0] <= self.now:
            _, _, kind, args = heapq.heappop(self._queue)
            run_entry(self.side.runtime, kind, args)

    def run(self) -> Trace:
        from pipeline.eri.signals import post_set_state

        recorder = Recorder()
        post_set_state.connect(recorder, dispatch_uid=f"diff-{id(self)}")
        try:
            # The engine turns any exception in a gateway or a plugin into a FAILED node, and
            # its libraries (pyparsing, Django) warn: a caller's warnings-as-errors filter (as
            # under pytest) would change what the engine does. Run it as production does.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return self._run(recorder)
        finally:
            post_set_state.disconnect(dispatch_uid=f"diff-{id(self)}")

    def _run(self, recorder: Recorder) -> Trace:
        side, trace = self.side, self.side.trace
        pending = list(side.scenario.actions)
        for second in range(side.scenario.horizon + 1):
            self.now = second
            self._drain()
            trace.sample(f"t={second}", side.rows())
            while pending and pending[0].at == second:
                action = pending.pop(0)
                trace.results.append((action.label(), side.apply(action)))
                self._drain()
                trace.sample(action.label(), side.rows())
        trace.transitions = recorder.per_node(side.back)
        return side.finish()
