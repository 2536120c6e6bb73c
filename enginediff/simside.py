"""The simulator side: a scenario run on `simulator.Engine` through its public API only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulator import Engine, ScenarioBook, SimulatorError, TemplateSpec, VirtualClock
from simulator import Scenario as SimScenario

from .scenario import Action, Behaviour, Scenario
from .trace import ROOT, Row, Sample, Trace, normal_api
from .trees import activity_ids, id_map, nodes, prepared_tree

T0 = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
SEED = 7
TASK_NAME = "engine-diff"


def sim_behaviour(spec: Behaviour) -> SimScenario:
    """The simulator scenario that does what a behaviour says."""
    if spec.kind == "fail":
        if spec.fail_times:
            return SimScenario(
                duration=0.0,
                outcome="fail_then_succeed",
                fail_times=spec.fail_times,
                ex_data=spec.ex_data,
            )
        return SimScenario(duration=0.0, outcome="fail", ex_data=spec.ex_data)
    if spec.kind == "callback":
        return SimScenario(duration=0.0, outcome="callback")
    return SimScenario(duration=float(spec.poll_seconds), outcome="succeed")


class SimRun:
    """One scenario on a fresh engine; `run()` gives the trace."""

    def __init__(self, scenario: Scenario, seed: int = SEED) -> None:
        self.scenario = scenario
        self.clock = VirtualClock(T0)
        tree = prepared_tree(scenario)
        book = ScenarioBook()
        for node_id in activity_ids(tree):
            book.set_template_node(
                scenario.template_id, node_id, sim_behaviour(scenario.behaviour(node_id))
            )
        self.engine = Engine(self.clock, seed, book)  # the seed picks the run's ids
        spec = TemplateSpec(scenario.template_id, 1, scenario.name, "Other", tree)
        new = self.engine.new_task(
            spec, name=TASK_NAME, creator="admin", project_id=1, constants=scenario.constants
        )
        self.task_id = new.id
        self.run_tree = new.pipeline_tree
        self.run_tree["id"] = new.pipeline_id
        self.ids = id_map(tree, self.run_tree)
        self.back = {v: k for k, v in self.ids.items()}
        self.back[new.pipeline_id] = ROOT
        self.trace = Trace("simulator")

    def run(self) -> Trace:
        pending = list(self.scenario.actions)
        for second in range(self.scenario.horizon + 1):
            self.clock.set(T0 + timedelta(seconds=second))
            self.engine.sync()
            self.trace.sample(f"t={second}", self.rows())
            while pending and pending[0].at == second:
                action = pending.pop(0)
                self.trace.results.append((action.label(), self.apply(action)))
                self.trace.sample(action.label(), self.rows())
        tree = self.engine.status_tree(self.task_id, poll=False)
        self.trace.api = normal_api(tree, self.back)
        return self.trace

    def apply(self, action: Action) -> bool:
        engine, task = self.engine, self.task_id
        node = self.ids.get(action.node, action.node)
        try:
            if action.op == "start":
                engine.start_task(task, "admin")
            elif action.op in ("pause", "resume", "revoke"):
                getattr(engine, f"{action.op}_task")(task)
            elif action.op == "callback":
                engine.node_callback(task, node, {"ok": action.ok})
            elif action.op == "skip_exg":
                flow = self.ids.get(action.flow, action.flow)
                engine.operate_node(task, node, "skip_exg", flow_id=flow)
            elif action.op == "retry":
                engine.operate_node(task, node, "retry", inputs=action.inputs)
            else:
                engine.operate_node(task, node, action.op, operator="admin")
        except SimulatorError:
            return False
        return True

    def rows(self) -> Sample:
        """Every node's state row as the engine keeps it (node detail: raw, not derived)."""
        out: Sample = {}
        for node in nodes(self.run_tree):
            row = self._row(node["id"])
            if row is not None:
                out[self.back[node["id"]]] = row
        # The root's row: its state as get_task_status shows it (bk-sops's derivation), on both
        # sides, because the public API gives the root's state only that way.
        top = self.engine.status_tree(self.task_id, poll=False)
        if top.get("state") != "CREATED":
            out[ROOT] = (str(top["state"]), 1, 0, False, False)
        return out

    def _row(self, node_id: str) -> Row | None:
        detail = self.engine.node_detail(self.task_id, node_id)
        if detail.state is None:
            return None
        return (detail.state, detail.loop, detail.retry, detail.skip, detail.error_ignored)
