"""The claim of a common_func task and the operation records kept in a task's log."""

from __future__ import annotations

import pytest

from simulator import Engine, InvalidOperation, VirtualClock

from .builders import T0
from .programs import TEMPLATE, new_engine


def _functional(engine: Engine) -> int:
    return engine.create_task(
        TEMPLATE, name="func", creator="u", project_id=1, flow_type="common_func"
    ).id


def test_a_functional_task_waits_for_its_claim_and_may_start_after_it():
    engine = new_engine(5, VirtualClock(T0))
    task_id = _functional(engine)
    assert engine.task(task_id).current_flow == "func_claim"
    with pytest.raises(InvalidOperation, match="current_flow:func_claim cannot be started"):
        engine.start_task(task_id, "u")
    engine.claim_task(task_id, "claimer", "renamed")
    info = engine.task(task_id)
    assert (info.current_flow, info.name) == ("execute_task", "renamed")
    engine.start_task(task_id, "claimer")
    assert engine.task(task_id).is_started


def test_a_claim_without_a_name_keeps_it_and_a_second_claim_is_refused():
    engine = new_engine(5, VirtualClock(T0))
    task_id = _functional(engine)
    engine.claim_task(task_id, "claimer")
    assert engine.task(task_id).name == "func"
    with pytest.raises(InvalidOperation, match="current_flow:execute_task cannot be claimed"):
        engine.claim_task(task_id, "other")


def test_a_common_task_cannot_be_claimed():
    engine = new_engine(5, VirtualClock(T0))
    task_id = engine.create_task(TEMPLATE, name="t", creator="u", project_id=1).id
    with pytest.raises(InvalidOperation, match="cannot be claimed"):
        engine.claim_task(task_id, "claimer")


def test_records_keep_their_order_and_clock_and_survive_a_rebuild():
    clock = VirtualClock(T0)
    engine = new_engine(5, clock)
    task_id = _functional(engine)
    engine.record_operation(task_id, "u", "create")
    clock.advance(1.5)
    engine.claim_task(task_id, "claimer", "renamed")
    engine.start_task(task_id, "claimer")
    engine.record_operation(task_id, "claimer", "start")
    engine.record_operation(task_id, "claimer", "retry", "n1")
    rows = engine.operate_records(task_id)
    assert [(r.operator, r.operate_type, r.node_id) for r in rows] == [
        ("u", "create", ""),
        ("claimer", "start", ""),
        ("claimer", "retry", "n1"),
    ]
    assert rows[1].at - rows[0].at == 1_500_000
    rebuilt = Engine.from_state(VirtualClock(clock.now()), engine.export_state())
    assert rebuilt.operate_records(task_id) == rows
    assert rebuilt.task(task_id).name == "renamed"
    assert rebuilt.record(task_id) == engine.record(task_id)


def test_an_unknown_task_has_no_records():
    engine = new_engine(5, VirtualClock(T0))
    assert engine.operate_records(404) == []
