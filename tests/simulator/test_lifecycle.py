"""Task-level pause (soft), resume and revoke, as bamboo-engine does them."""

import pytest

from simulator import InvalidOperation

from .builders import Run, linear, parallel


def test_soft_pause_lets_the_running_node_finish_and_stops_before_the_next():
    run = Run(linear("a", "b")).start().wait(2)
    run.engine.pause_task(run.task_id)
    assert run.state == "SUSPENDED" and run.states()["a"] == "RUNNING"
    run.wait(3)
    assert run.states() == {"start": "FINISHED", "a": "FINISHED"}  # b was not given a state
    run.wait(100)
    assert "b" not in run.states() and run.engine.next_due() is None
    run.engine.resume_task(run.task_id)
    assert run.state == "RUNNING"
    b = run.node("b")
    assert b["state"] == "RUNNING" and b["start_time"] == "2024-05-01 08:01:45 +0000"
    run.wait(5)
    assert run.state == "FINISHED"


def test_pause_holds_every_branch_and_resume_releases_them_in_order():
    run = Run(parallel(2)).start().wait(1)
    run.engine.pause_task(run.task_id)
    run.wait(4)
    assert "b0" not in run.states() and "b1" not in run.states()
    run.engine.resume_task(run.task_id)
    assert run.states()["b0"] == run.states()["b1"] == "RUNNING"
    run.wait(20)
    assert run.state == "FINISHED"


def test_paused_task_with_a_failed_node_still_reads_suspended():
    run = Run(linear("a"), scenarios={"a": {"outcome": "fail", "duration": 1}}).start().wait(1)
    assert run.state == "FAILED"
    run.engine.pause_task(run.task_id)
    assert run.state == "SUSPENDED"


def test_revoke_during_a_running_node():
    run = Run(linear("a", "b")).start().wait(2)
    run.engine.revoke_task(run.task_id)
    info = run.engine.task(run.task_id)
    assert info.state == "REVOKED" and info.is_revoked and not info.is_finished
    assert info.finish_time is not None and info.elapsed_time == 2
    assert run.state == "REVOKED" and run.states()["a"] == "RUNNING"
    run.wait(60)
    # the scheduled run still completes (bamboo keeps schedules); the next node never starts
    assert run.states() == {"start": "FINISHED", "a": "FINISHED"}
    with pytest.raises(InvalidOperation, match=r"pipeline\(n[0-9a-f]+\) state is: REVOKED"):
        run.op("a", "retry")


def test_revoke_keeps_a_waiting_callback_node_running():
    from .builders import Tree

    tree = Tree().act("a", "pause_node").chain("start", "a", "end").build()
    run = Run(tree).start()
    run.engine.revoke_task(run.task_id)
    run.wait(3600)
    assert run.states()["a"] == "RUNNING" and run.state == "REVOKED"
    with pytest.raises(InvalidOperation):
        run.engine.node_callback(run.task_id, run.ids["a"])


def test_revoke_of_a_suspended_task():
    run = Run(linear("a")).start()
    run.engine.pause_task(run.task_id)
    run.engine.revoke_task(run.task_id)
    run.wait(10)
    assert run.state == "REVOKED" and "end" not in run.states()


def test_next_due_reports_the_earliest_live_schedule():
    from datetime import timedelta

    from .builders import T0

    run = Run(linear("a", "b"))
    assert run.engine.next_due() is None
    run.start()
    assert run.engine.next_due() == T0 + timedelta(seconds=5)
    run.op("a", "forced_fail")
    assert run.engine.next_due() is None  # the stale schedule is dropped, not reported
    run.op("a", "retry")
    assert run.engine.next_due() == T0 + timedelta(seconds=5)
