"""The engine's dispatch tables cover every case their inputs can take."""

from __future__ import annotations

from simulator import Engine, VirtualClock, actions, activities, engine, ids, nodekinds, tree
from simulator.scenarios import OUTCOMES

from .builders import T0
from .programs import SCENARIOS, create, new_engine


def test_every_rule_kind_has_a_handler():
    # tree.RULES lists every node kind a validated tree can hold (end events are normalized)
    assert set(nodekinds.HANDLERS) == set(tree.RULES)


def test_every_scenario_outcome_has_a_wait():
    assert set(activities.WAITS) == set(OUTCOMES)


def test_only_timed_waits_have_moments():
    # a callback ends only through node_callback, never at a due time
    assert set(activities.MOMENTS) == {"poll", "schedule"}


def test_the_action_tables_hold_what_bk_sops_dispatches():
    # bk-sops's operate_node actions (TaskCommandDispatcher) plus node_callback's own
    operate_node = {"retry", "skip", "skip_exg", "skip_cpg", "pause", "resume"}
    operate_node |= {"pause_subproc", "resume_subproc", "forced_fail", "retry_subprocess"}
    assert set(actions.NODE_ACTIONS) == operate_node | {"callback"}
    assert set(engine.NODE_ACTIONS) == set(actions.NODE_ACTIONS)
    assert set(actions.TASK_ACTIONS) == {"pause", "resume", "revoke"}


def test_every_operation_the_engine_logs_has_a_replay_and_replays_to_the_same_task():
    clock = VirtualClock(T0)
    live = new_engine(3, clock)
    task_id = create(live)

    def node(path: str) -> str:
        return ids.node_id(live.seed, task_id, path)

    live.start_task(task_id, "u")
    live.record_operation(task_id, "u", "start")
    live.set_node_scenario(task_id, node("c"), SCENARIOS["demo"])
    live.pause_task(task_id)
    live.resume_task(task_id)
    clock.advance(2)
    live.status_tree(task_id)  # s/x polls: a logged poll
    live.node_callback(task_id, node("b"), {"k": 1})
    live.revoke_task(task_id)
    logged = {op["op"] for op in live.record(task_id)["ops"]}
    # a claim needs a common_func task: tests/simulator/test_ledger.py replays it
    assert logged == set(actions.REPLAY) - {"claim"}
    rebuilt = Engine.from_state(VirtualClock(clock.now()), live.export_state())
    assert rebuilt.status_tree(task_id, poll=False) == live.status_tree(task_id, poll=False)
    assert rebuilt.record(task_id) == live.record(task_id)
