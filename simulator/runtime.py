"""One task's run: node states, branch processes and bamboo-engine's execute loop.

Concurrency is fixed, not raced: a forked branch runs until it blocks (an activity that takes
time, a failure, a pause) before its next sibling starts; forks made inside a branch run before
that branch's later siblings (depth-first, branches in `outgoing` order). Everything that
happens at one clock reading happens in that order; later work is an event at its due time.
Times are integer microseconds since the Unix epoch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from . import ids
from . import states as S
from . import tree as t
from .conditions import ConditionParseError, evaluate, render
from .nodes import ROOT, History, NodeState, Process, execution_outputs, resolve
from .plan import Plan, PlanNode
from .scenarios import Scenario

__all__ = ["ROOT", "NodeState", "Process", "TaskRuntime", "execution_outputs", "resolve"]

PARSE_HINT = (
    "please check if some variable not exists or the expression is unsupported, related "
    'reference is <a href="https://boolrule.readthedocs.io/en/latest/expressions.html">'
    "boolrule</a>"
)


Push = Callable[["TaskRuntime", int, int, int, int], None]  # (rt, due, node, serial, pid)


class TaskRuntime:
    """The engine-side state of one started task."""

    __slots__ = (
        "_node_ids", "_pipeline_id", "changes", "constants", "contexts", "ended", "overrides",
        "plan", "procs", "push", "root", "runnable", "scenarios", "seed", "states", "task_id",
    )  # fmt: skip

    def __init__(
        self,
        seed: int,
        task_id: int,
        plan: Plan,
        scenarios: tuple[Scenario | None, ...],
        constants: Mapping[str, Any],
        push: Push,
    ) -> None:
        self.seed = seed
        self.task_id = task_id
        self.plan = plan
        self.scenarios = scenarios
        self.overrides: dict[int, Scenario] = {}
        self.constants = constants  # caller's values for root constants
        self.push = push
        self.root: NodeState | None = None
        self.states: dict[int, NodeState] = {}
        self.procs: list[Process] = []
        self.runnable: list[tuple[Process, int]] = []
        self.contexts: dict[int, dict[str, Any]] = {}
        self._node_ids: list[str] | None = None
        self._pipeline_id: str | None = None
        # Bumped by the engine before anything that may change what views show (the key of
        # its cached status trees).
        self.changes = 0
        # (node, state) of each node failure and of the pipeline's finish or revoke, until the
        # engine, which knows the clock reading, takes them (Engine.take_task_ends).
        self.ended: list[tuple[int, str]] = []

    # ids -----------------------------------------------------------------------------------
    @property
    def root_id(self) -> str:
        if self._pipeline_id is None:
            self._pipeline_id = ids.pipeline_id(self.seed, self.task_id)
        return self._pipeline_id

    def node_ids(self) -> list[str]:
        if self._node_ids is None:
            found = [ids.node_id(self.seed, self.task_id, n.path) for n in self.plan.nodes]
            found.append(self.root_id)  # ROOT (-1) is the last one
            self._node_ids = found
        return self._node_ids

    def id_of(self, idx: int) -> str:
        return self.node_ids()[idx]  # ROOT == -1 picks the pipeline id

    def version_of(self, idx: int, st: NodeState) -> str:
        if st.shown is not None and st.shown[0] == st.serial:
            return st.shown[1]
        path = "" if idx == ROOT else self.plan.nodes[idx].path
        text = ids.version(self.seed, self.task_id, path, st.serial)
        st.shown = (st.serial, text)
        return text

    # state changes ---------------------------------------------------------------------------
    def state_of(self, idx: int) -> NodeState | None:
        return self.root if idx == ROOT else self.states.get(idx)

    def transit(self, idx: int, st: NodeState, to: str) -> None:
        if to not in S.TRANSITIONS[st.state]:
            S.check_transition(self.id_of(idx), st.state, to)
        st.state = to
        if to == S.FAILED or (idx == ROOT and to in (S.FINISHED, S.REVOKED)):
            self.ended.append((idx, to))

    def history(self, idx: int, st: NodeState) -> None:
        if st.histories is None:
            st.histories = []
        st.histories.append(
            History(
                st.serial,
                st.loop,
                st.retry,
                st.skip,
                st.started,
                st.archived,
                dict(st.inputs or {}),
                execution_outputs(self.plan.nodes[idx].kind if idx != ROOT else "", st),
                st.ex_data,
            )
        )

    # task level ------------------------------------------------------------------------------
    def start(self, at: int) -> None:
        self.root = NodeState(S.RUNNING, started=at, parent=ROOT)
        level = self.plan.levels[ROOT]
        given = self.constants
        values = {k[2:-1]: given.get(k, c.get("value")) for k, c in level.constants.items()}
        self.contexts[ROOT] = resolve(values)
        process = Process(pid=0, current=level.start)
        self.procs.append(process)
        self.run(process, level.start, at)

    def resume_suspended(self, by: int, at: int) -> None:
        """Run again, in process order, every process suspended by `by` at its current node."""
        woken = [p for p in self.procs if not p.dead and p.suspended_by == by]
        for process in reversed(woken):
            process.suspended_by = None
            self.runnable.append((process, process.current))
        self.drain(at)

    def run(self, process: Process, idx: int, at: int) -> None:
        self.runnable.append((process, idx))
        self.drain(at)

    def drain(self, at: int) -> None:
        while self.runnable:
            process, idx = self.runnable.pop()
            self.execute(process, idx, at)

    # the execute loop (bamboo Engine.execute, in its check order) ----------------------------
    def execute(self, p: Process, cur: int, at: int) -> None:
        assert self.root is not None
        nodes = self.plan.nodes
        while True:
            if cur == p.destination:
                self.child_finished(p)
                return
            p.current = cur
            if self.root.state == S.REVOKED:
                p.dead = True
                return
            if self.root.state == S.SUSPENDED:
                p.suspended_by = ROOT
                return
            for sub in p.stack:
                if self.states[sub].state == S.SUSPENDED:
                    p.suspended_by = sub
                    return
            node = nodes[cur]
            parent = p.stack[-1] if p.stack else ROOT
            st = self.states.get(cur)
            if st is None:
                st = NodeState(S.RUNNING, started=at, parent=parent, pid=p.pid)
                self.states[cur] = st
            else:
                if st.state == S.FINISHED and node.kind != t.SUBPROCESS and st.loop > S.RERUN_LIMIT:
                    st.ex_data = f"node execution exceed rerun limit {S.RERUN_LIMIT}"
                    p.asleep = True
                    self.transit(cur, st, S.FAILED)
                    st.archived = at
                    return
                if st.state == S.SUSPENDED:
                    st.parent = parent
                    p.suspended_by = cur
                    return
                if st.state not in S.RESTARTABLE:
                    p.asleep = True
                    return
                if st.state == S.FINISHED:
                    self.history(cur, st)
                    st.loop += 1
                    st.inner_loop += 1
                    st.retry = 0
                    st.skip = False
                    st.error_ignored = False
                    st.serial += 1
                self.transit(cur, st, S.RUNNING)
                # bamboo keeps the old archived time on re-entry (finish before start); we clear it
                st.started, st.archived, st.parent, st.pid = at, None, parent, p.pid
            cur = self.handle(p, node, st, at)
            if cur < 0:
                return

    def child_finished(self, p: Process) -> None:
        p.dead = True
        parent = self.procs[p.parent]
        parent.ack_num += 1
        if parent.ack_num == parent.need_ack:
            parent.asleep = False
            parent.need_ack = parent.ack_num = 0
            self.runnable.append((parent, p.destination))

    def fork(self, p: Process, targets: list[int], converge: int) -> None:
        children = []
        for target in targets:
            child = Process(len(self.procs), target, converge, p.pid, list(p.stack))
            self.procs.append(child)
            children.append((child, target))
        p.asleep = True
        p.need_ack, p.ack_num = len(children), 0
        self.runnable.extend(reversed(children))

    def finish(self, idx: int, st: NodeState, at: int, *, error_ignored: bool = False) -> None:
        self.transit(idx, st, S.FINISHED)
        st.archived = at
        st.error_ignored = error_ignored

    def fail(self, p: Process, idx: int, st: NodeState, at: int, ex_data: Any) -> int:
        st.ex_data = ex_data
        self.transit(idx, st, S.FAILED)
        st.archived = at
        p.asleep = True
        return -1

    # node handlers ----------------------------------------------------------------------------
    def handle(self, p: Process, node: PlanNode, st: NodeState, at: int) -> int:
        kind = node.kind
        if kind == t.ACTIVITY:
            return self.start_activity(p, node, st, at)
        if kind in (t.START, t.CONVERGE):
            self.finish(node.idx, st, at)
            return node.next
        if kind == t.END:
            return self.end_event(p, node, st, at)
        if kind == t.SUBPROCESS:
            self.enter_subprocess(p, node)
            return node.sub_start
        if kind == t.PARALLEL:
            self.finish(node.idx, st, at)
            self.fork(p, [node.targets[f] for f in node.outgoing], node.converge)
            return -1
        chosen = self.choose(p, node)
        if isinstance(chosen, str):
            return self.fail(p, node.idx, st, at, chosen)
        self.finish(node.idx, st, at)
        if kind == t.EXCLUSIVE:
            return chosen[0]
        self.fork(p, chosen, node.converge)
        return -1

    def end_event(self, p: Process, node: PlanNode, st: NodeState, at: int) -> int:
        assert self.root is not None
        self.finish(node.idx, st, at)
        if not p.stack:
            self.finish(ROOT, self.root, at)
            p.dead = True
            return -1
        sub = p.stack.pop()
        sub_state = self.states[sub]
        level = self.plan.levels[sub]
        inner = self.contexts.get(sub, {})
        outputs = {key[2:-1]: inner.get(key[2:-1]) for key in level.outputs}
        sub_state.outputs = outputs
        self.finish(sub, sub_state, at)
        self.write_outputs(p, self.plan.nodes[sub], outputs)
        return self.plan.nodes[sub].next

    def enter_subprocess(self, p: Process, node: PlanNode) -> None:
        outer = self.context_of(p)
        level = self.plan.levels[node.idx]
        values = {k[2:-1]: c.get("value") for k, c in level.constants.items()}
        for key, param in node.sub_params.items():
            if isinstance(param, Mapping) and "value" in param:
                values[key[2:-1]] = render(param["value"], outer)
        self.contexts[node.idx] = resolve(values)
        p.stack.append(node.idx)

    def context_of(self, p: Process) -> dict[str, Any]:
        return self.contexts[p.stack[-1] if p.stack else ROOT]

    def write_outputs(self, p: Process, node: PlanNode, outputs: Mapping[str, Any]) -> None:
        if node.writes:
            context = self.context_of(p)
            for key, output_key in node.writes:
                if output_key in outputs:
                    context[key] = outputs[output_key]

    def choose(self, p: Process, node: PlanNode) -> list[int] | str:
        """The targets a branch gateway takes, or the ex_data of its failure."""
        context = self.context_of(p)
        hits: list[int] = []
        names: list[str] = []
        for condition in node.conditions:
            resolved = str(render(condition.evaluate, context))
            try:
                passed = evaluate(resolved)
            except ConditionParseError:
                data = json.dumps(context)
                return f"evaluate[{condition.evaluate}] fail with data[{data}]：{PARSE_HINT}"
            except Exception as error:  # the engine reports any evaluation error
                shown = resolved if node.kind == t.EXCLUSIVE else condition.evaluate
                return f"evaluate[{shown}] fail with data[{json.dumps(context)}] message: {error}"
            if passed:
                hits.append(condition.target)
                names.append(condition.name)
        if not hits:
            if not node.default_flow:
                return "all conditions of branches are not meet"
            hits = [node.targets[node.default_flow]]
        if node.kind == t.EXCLUSIVE and len(hits) != 1:
            return f"multiple conditions meet: {names!r}"
        return hits

    # activities -------------------------------------------------------------------------------
    def scenario(self, idx: int) -> Scenario:
        found = self.overrides.get(idx) or self.scenarios[idx]
        assert found is not None
        return found

    def start_activity(self, p: Process, node: PlanNode, st: NodeState, at: int) -> int:
        sc = self.scenario(node.idx)
        st.runs += 1
        st.scenario, st.outputs, st.ex_data, st.polls = sc, None, None, 0
        if node.static_inputs is not None and not st.retry_inputs:
            inputs: Mapping[str, Any] = node.static_inputs
        else:
            context = self.context_of(p)
            rendered = {key: render(value, context) for key, value in node.inputs}
            rendered.update(st.retry_inputs or {})
            inputs = rendered
        st.inputs = inputs
        duration = sc.duration
        if sc.duration_input:
            raw = inputs.get(sc.duration_input)
            try:
                duration = float(raw)  # type: ignore[arg-type]
                if not duration >= 0:
                    raise ValueError(raw)
            except (TypeError, ValueError):
                text = f"invalid {sc.duration_input}: {raw!r}"
                return self.complete(p, node, st, at, False, text)
        if sc.jitter:
            spread = ids.unit(self.seed, self.task_id, node.path, st.runs, "jitter") * 2 - 1
            duration = max(0.0, duration + spread * sc.jitter)
        due = at + round(duration * 1_000_000)
        st.pid = p.pid
        if sc.outcome == "callback":
            st.waiting = "callback"
        elif sc.outcome == "poll":
            st.waiting, st.elapsed = "poll", due <= at
            if not st.elapsed:
                self.push(self, due, node.idx, st.serial, p.pid)
        else:
            st.ok = sc.outcome == "succeed" or (
                sc.outcome == "fail_then_succeed" and st.runs > sc.fail_times
            )
            if due <= at:
                return self.complete(p, node, st, at, st.ok, sc.ex_data)
            st.waiting = "schedule"
            self.push(self, due, node.idx, st.serial, p.pid)
        p.asleep = True
        return -1

    def complete(
        self,
        p: Process,
        node: PlanNode,
        st: NodeState,
        at: int,
        ok: bool,
        ex_data: Any = None,
        extra: Mapping[str, Any] | None = None,
    ) -> int:
        """An activity's run is over: FINISHED (or error-ignored) and onwards, or FAILED."""
        st.waiting = ""
        st.ok = ok
        p.asleep = False
        outputs: Mapping[str, Any] = st.scenario.outputs if st.scenario else {}
        if extra:
            outputs = {**outputs, **extra}
        st.outputs = outputs
        if ok or node.error_ignorable:
            st.ex_data = None if ok else ex_data
            self.finish(node.idx, st, at, error_ignored=not ok)
            self.write_outputs(p, node, outputs)
            return node.next
        return self.fail(p, node.idx, st, at, ex_data)

    def due(self, idx: int, serial: int, pid: int, at: int) -> None:
        """A scheduled moment of an activity arrived; stale schedules expire silently."""
        st = self.states.get(idx)
        if st is None or st.serial != serial or st.state != S.RUNNING or not st.waiting:
            return
        p, node = self.procs[pid], self.plan.nodes[idx]
        if st.waiting == "poll":
            st.elapsed = True
            if st.scenario is None or st.polls < st.scenario.polls:
                return
            following = self.complete(p, node, st, at, True)
        elif st.waiting == "schedule":
            ex_data = st.scenario.ex_data if st.scenario else None
            following = self.complete(p, node, st, at, st.ok, ex_data)
        else:
            return
        if following >= 0:
            self.run(p, following, at)

    def poll(self, at: int) -> bool:
        """A status read: count it for every running poll activity. True if any counted."""
        if not any(st.waiting == "poll" for st in self.states.values()):
            return False  # the usual read: nothing polls, nothing to walk twice
        counted = False
        for idx, st in list(self.states.items()):
            if st.state == S.RUNNING and st.waiting == "poll" and st.scenario is not None:
                counted = True
                st.polls += 1
                if st.polls >= st.scenario.polls and st.elapsed:
                    p = self.procs[st.pid]
                    following = self.complete(p, self.plan.nodes[idx], st, at, True)
                    if following >= 0:
                        self.run(p, following, at)
        return counted

    def sleeping_at(self, idx: int) -> Process | None:
        for process in self.procs:
            if not process.dead and process.asleep and process.current == idx:
                return process
        return None
