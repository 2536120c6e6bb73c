"""The bamboo transition table, node by node and at the task level, over every (state, move)."""

from datetime import UTC

import pytest

from simulator import IllegalTransition, InvalidOperation, TaskAlreadyStarted, TaskNotStarted
from simulator import states as S

from .builders import engine, linear, spec

# reference/official-client-and-engine.md B2, transcribed row by row
REFERENCE = """
READY: RUNNING SUSPENDED
LOOP_READY: RUNNING SUSPENDED
RUNNING: SUSPENDED FINISHED FAILED REVOKED ROLLING_BACK
SUSPENDED: READY RUNNING REVOKED ROLLING_BACK
BLOCKED:
FINISHED: RUNNING FAILED ROLLING_BACK
FAILED: READY LOOP_READY FINISHED
REVOKED:
ROLLING_BACK: ROLL_BACK_SUCCESS ROLL_BACK_FAILED
ROLL_BACK_SUCCESS: READY FINISHED
ROLL_BACK_FAILED: READY FINISHED ROLLING_BACK
"""
ALLOWED = {
    row.split(":")[0]: set(row.split(":")[1].split()) for row in REFERENCE.strip().splitlines()
}
PAIRS = [(a, b) for a in S.ENGINE_STATES for b in S.ENGINE_STATES]


def test_reference_lists_every_engine_state():
    assert set(ALLOWED) == set(S.ENGINE_STATES)


@pytest.mark.parametrize(("from_state", "to_state"), PAIRS)
def test_transition_table(from_state, to_state):
    if to_state in ALLOWED[from_state]:
        S.check_transition("n1", from_state, to_state)
        assert S.can_transit(from_state, to_state)
    else:
        with pytest.raises(IllegalTransition) as caught:
            S.check_transition("n1", from_state, to_state)
        assert (
            str(caught.value) == f"can't not transit node(n1) state from {from_state} to {to_state}"
        )
        assert (caught.value.node_id, caught.value.from_state, caught.value.to_state) == (
            "n1",
            from_state,
            to_state,
        )


def _task_in(root_state):
    """An engine and task id whose root is in `root_state` (CREATED = never started)."""
    e, clock = engine()
    task_id = e.create_task(spec(linear("a")), name="t", creator="u", project_id=1).id
    if root_state != "CREATED":
        e.start_task(task_id, "u")
    if root_state == "SUSPENDED":
        e.pause_task(task_id)
    elif root_state == "FINISHED":
        clock.advance(60)
    elif root_state == "REVOKED":
        e.revoke_task(task_id)
    assert e.task(task_id).state == root_state
    return e, task_id


def _root(e, task_id):
    return e.task(task_id).pipeline_tree["id"]


# (root state, move) -> expected: a new root state, or (error class, message template)
TASK_MOVES = {
    ("CREATED", "start"): "RUNNING",
    ("CREATED", "pause"): (TaskNotStarted, "task not started"),
    ("CREATED", "resume"): (TaskNotStarted, "task not started"),
    ("CREATED", "revoke"): (TaskNotStarted, "task not started"),
    ("RUNNING", "start"): (TaskAlreadyStarted, "task already started"),
    ("RUNNING", "pause"): "SUSPENDED",
    ("RUNNING", "resume"): (InvalidOperation, "pipeline({root}) state is: RUNNING"),
    ("RUNNING", "revoke"): "REVOKED",
    ("SUSPENDED", "start"): (TaskAlreadyStarted, "task already started"),
    ("SUSPENDED", "pause"): (
        IllegalTransition,
        "can't not transit node({root}) state from SUSPENDED to SUSPENDED",
    ),
    ("SUSPENDED", "resume"): "RUNNING",
    ("SUSPENDED", "revoke"): "REVOKED",
    ("FINISHED", "start"): (TaskAlreadyStarted, "task already started"),
    # A finished or revoked task has current_flow "finished" in bk-sops, which refuses every
    # action but start before the engine is asked.
    ("FINISHED", "pause"): (InvalidOperation, "task with current_flow:finished cannot be pauseed"),
    ("FINISHED", "resume"): (
        InvalidOperation,
        "task with current_flow:finished cannot be resumeed",
    ),
    ("FINISHED", "revoke"): (
        InvalidOperation,
        "task with current_flow:finished cannot be revokeed",
    ),
    ("REVOKED", "start"): (TaskAlreadyStarted, "task already started"),
    ("REVOKED", "pause"): (InvalidOperation, "task with current_flow:finished cannot be pauseed"),
    ("REVOKED", "resume"): (InvalidOperation, "task with current_flow:finished cannot be resumeed"),
    ("REVOKED", "revoke"): (
        InvalidOperation,
        "task with current_flow:finished cannot be revokeed",
    ),
}


@pytest.mark.parametrize(("root_state", "move"), sorted(TASK_MOVES))
def test_task_moves(root_state, move):
    e, task_id = _task_in(root_state)
    act = {
        "start": lambda: e.start_task(task_id, "u"),
        "pause": lambda: e.pause_task(task_id),
        "resume": lambda: e.resume_task(task_id),
        "revoke": lambda: e.revoke_task(task_id),
    }[move]
    expected = TASK_MOVES[(root_state, move)]
    before = e.record(task_id)["ops"]
    if isinstance(expected, str):
        act()
        assert e.task(task_id).state == expected
        assert len(e.record(task_id)["ops"]) == len(before) + 1
    else:
        error, message = expected
        assert not isinstance(error, str) and isinstance(message, str)
        with pytest.raises(error) as caught:
            act()
        assert str(caught.value) == message.format(root=_root(e, task_id))
        assert e.task(task_id).state == root_state
        assert e.record(task_id)["ops"] == before  # refused operations are not logged


def test_status_of_a_never_started_task_is_the_created_payload():
    e, task_id = _task_in("CREATED")
    assert e.status_tree(task_id, tz=UTC) == {
        "start_time": None,
        "state": "CREATED",
        "retry": 0,
        "skip": 0,
        "finish_time": None,
        "elapsed_time": 0,
        "children": {},
        "name": "t",
    }
