"""Records and snapshots: a task rebuilt from its record equals the live one."""

import json
from datetime import timedelta

import pytest

from simulator import Engine, Scenario, VirtualClock, ids

from .builders import T0
from .programs import apply, create, new_engine, observe

SCRIPT = [  # for n=2: a 0-~1, b waits for a callback, s/x polls, then g takes d (fails once)
    (0, ("start",)),
    (3, ("node", "retry", "a", "f_g_c")),  # refused: a is finished
    (0, ("callback", "b", True)),
    (0, ("pause",)),
    (1, ("poll",)),  # completes s/x; s/y waits for the resume
    (0, ("scenario", "c", "demo")),
    (2, ("resume",)),
    (6, ("node", "retry", "d", "f_g_c")),
    (0, ("poll",)),  # nothing polls any more: not logged
]


def _drive(seed=3, n=2):
    clock = VirtualClock(T0)
    engine = new_engine(seed, clock)
    task_id = create(engine, n=n)
    outcomes = []
    for advance, op in SCRIPT:
        clock.advance(advance)
        outcomes.append(apply(engine, task_id, op))
    clock.advance(30)
    return engine, clock, task_id, outcomes


def test_the_script_exercises_the_engine():
    engine, _, task_id, outcomes = _drive()
    assert outcomes[1][0] == "NodeOperationError"
    assert [outcomes[i] for i in (0, 2, 3, 5, 6, 7)] == ["ok"] * 6
    assert engine.task(task_id).state == "FINISHED"
    ops = [(op["op"], op["args"].get("action")) for op in engine.record(task_id)["ops"]]
    assert ops == [
        ("start", None), ("node", "callback"), ("pause", None), ("poll", None),
        ("scenario", None), ("resume", None), ("node", "retry"),
    ]  # fmt: skip


def test_record_is_json_and_rebuilds_the_same_task():
    engine, clock, task_id, _ = _drive()
    record = json.loads(json.dumps(engine.record(task_id)))
    state = {"format": 1, "seed": record["seed"], "next_task_id": task_id + 1, "tasks": [record]}
    rebuilt = Engine.from_state(VirtualClock(clock.now()), state)
    assert observe(rebuilt, task_id) == observe(engine, task_id)
    assert rebuilt.record(task_id) == record


def test_snapshot_round_trip_of_many_tasks_midway():
    clock = VirtualClock(T0)
    engine = new_engine(11, clock)
    tasks = [create(engine, n=n, project_id=1 + i % 2) for i, n in enumerate((1, 2, 1, "x"))]
    for i, task_id in enumerate(tasks):
        clock.advance(i)
        apply(engine, task_id, ("start",))
    clock.advance(3)
    assert apply(engine, tasks[0], ("callback", "b", False)) == "ok"
    apply(engine, tasks[1], ("pause",))
    clock.advance(1)
    state = json.loads(json.dumps(engine.export_state()))
    assert len(state["templates"]) == 1
    copy = Engine.from_state(VirtualClock(clock.now()), state)
    assert [observe(copy, t) for t in tasks] == [observe(engine, t) for t in tasks]
    # both keep going identically, and new tasks get the same ids
    copy_clock = copy.clock
    assert isinstance(copy_clock, VirtualClock)
    for e, c in ((engine, clock), (copy, copy_clock)):
        c.advance(7)
        assert apply(e, tasks[2], ("callback", "b", True)) == "ok"
        create(e)
    assert [observe(copy, t) for t in [*tasks, 5]] == [observe(engine, t) for t in [*tasks, 5]]
    assert copy.count(1, "status", {}) == engine.count(1, "status", {})


def test_import_replaces_existing_tasks():
    engine, clock, task_id, _ = _drive()
    other = new_engine(1, VirtualClock(clock.now() + timedelta(seconds=1)))
    create(other)
    create(other)
    other.import_state(engine.export_state())
    assert [t.id for t in other.tasks()] == [task_id]
    assert other.seed == engine.seed


def test_bad_records_are_refused():
    engine, clock, _, _ = _drive()
    state = engine.export_state()
    with pytest.raises(ValueError, match="unknown snapshot format"):
        Engine.from_state(VirtualClock(clock.now()), {**state, "format": 99})
    state["tasks"][0]["ops"].append(
        {"at": state["tasks"][0]["ops"][-1]["at"], "op": "teleport", "args": {}}
    )
    with pytest.raises(ValueError, match="unknown operation 'teleport'"):
        Engine.from_state(VirtualClock(clock.now()), state)


def test_clearing_a_node_scenario_goes_back_to_the_snapshot():
    clock = VirtualClock(T0)
    engine = new_engine(1, clock)
    task_id = create(engine)
    a = ids.node_id(1, task_id, "a")
    engine.set_node_scenario(task_id, a, {"outcome": "fail", "duration": 0})
    engine.set_node_scenario(task_id, a, None)
    engine.start_task(task_id, "u")
    clock.advance(3)
    assert engine.failed_ex_data(task_id) == {}
    assert [op["args"]["scenario"] for op in engine.record(task_id)["ops"][:2]] == [
        {**Scenario.from_dict({"outcome": "fail", "duration": 0}).to_dict()},
        None,
    ]
