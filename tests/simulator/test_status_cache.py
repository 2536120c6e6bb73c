"""The engine keeps status trees rendered between task changes: reads must not tell.

Every read is compared with a fresh rendering (views.status_tree) of the same runtime at the
same clock reading, after random operations, clock moves, polls and rebuilds.
"""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import Engine, VirtualClock, ids, statuscache, views

from .builders import T0, Run, Tree, linear, spec
from .programs import apply, create, new_engine, programs

SHANGHAI = ZoneInfo("Asia/Shanghai")


def fresh(engine: Engine, task_id: int, tz=UTC, subprocess_id=None) -> dict:
    """The tree rendered from scratch, bypassing the engine's cache."""
    now = views.to_us(engine.sync())
    task = engine._tasks[task_id]
    return views.status_tree(task.runtime, task.name, now, tz, subprocess_id)


def assert_read_matches(engine: Engine, task_id: int, tz, in_sub: bool) -> None:
    subprocess_id = ids.node_id(engine.seed, task_id, "s") if in_sub else None
    read = engine.status_tree(task_id, tz=tz, subprocess_id=subprocess_id, poll=False)
    assert read == fresh(engine, task_id, tz, subprocess_id)


@settings(max_examples=80, derandomize=True, deadline=None)
@given(
    program=programs,
    n=st.sampled_from([1, 2]),
    idle=st.sampled_from([0.4, 1.5, 7]),
    tz=st.sampled_from([UTC, SHANGHAI]),
    in_sub=st.booleans(),
)
def test_every_read_equals_a_fresh_rendering(program, n, idle, tz, in_sub):
    # One kind of read throughout, so that reads between changes come from the cache.
    clock = VirtualClock(T0)
    engine = new_engine(3, clock)
    task_id = create(engine, n=n)
    for advance, op in program:
        clock.advance(advance)
        apply(engine, task_id, op)
        assert_read_matches(engine, task_id, tz, in_sub)
        assert_read_matches(engine, task_id, tz, in_sub)
        clock.advance(idle)  # nodes may finish; running rows' elapsed times move
        assert_read_matches(engine, task_id, tz, in_sub)


def test_a_read_after_a_node_moves_shows_the_move():
    run = Run(linear("a", "b")).start().wait(1)
    assert run.states() == {"start": "FINISHED", "a": "RUNNING"}
    run.wait(4)  # a's 5 s run ends; b starts
    assert run.states() == {"start": "FINISHED", "a": "FINISHED", "b": "RUNNING"}
    run.engine.pause_task(run.task_id)
    assert run.state == "SUSPENDED"
    run.engine.revoke_task(run.task_id)
    assert run.state == "REVOKED"


def test_a_node_operation_shows_in_the_next_read():
    run = Run(linear("a"), scenarios={"a": {"outcome": "fail", "duration": 1}}).start().wait(1)
    assert run.node("a")["state"] == "FAILED" and run.node("a")["retry"] == 0
    run.op("a", "retry")
    assert run.node("a")["state"] == "RUNNING" and run.node("a")["retry"] == 1
    assert run.status() == fresh(run.engine, run.task_id)


def test_elapsed_time_follows_the_clock_between_changes():
    run = Run(linear("a"), scenarios={"a": {"outcome": "callback"}}).start().wait(2)
    assert run.node("a")["elapsed_time"] == 2 and run.status()["elapsed_time"] == 2
    run.wait(40)
    assert run.node("a")["elapsed_time"] == 42 and run.status()["elapsed_time"] == 42
    assert run.node("start")["elapsed_time"] == 0  # finished rows keep theirs


def test_a_poll_that_completes_a_node_shows_in_the_same_read():
    tree = Tree().act("p", "poller").chain("start", "p", "end").build()
    run = Run(tree, scenarios={"p": {"outcome": "poll", "polls": 3, "duration": 1}}).start()
    assert run.node("p")["state"] == "RUNNING"  # poll 1, not yet due
    run.wait(1)
    assert run.status()["state"] == "RUNNING"  # due now; poll 2
    assert run.status()["state"] == "FINISHED"  # poll 3: done, in the read that made it


def test_changing_an_answer_does_not_change_the_next():
    run = Run(linear("a")).start().wait(1)
    first = run.status()
    first["name"] = "changed"
    first["children"].clear()
    first["state"] = "FAILED"
    again = run.status()
    assert again == fresh(run.engine, run.task_id) and again["name"] == "t"
    assert len(again["children"]) == 2 and again["state"] == "RUNNING"


def test_a_rebuilt_engine_does_not_answer_from_the_old_tasks():
    clock = VirtualClock(T0)
    engine = Engine(clock, 1)
    one = engine.create_task(spec(linear("a")), name="one", creator="u", project_id=1).id
    engine.start_task(one, "u")
    before = engine.status_tree(one, poll=False)
    other = Engine(clock, 1)
    task = other.create_task(spec(linear("x", "y")), name="two", creator="u", project_id=1)
    engine.import_state(other.export_state())
    after = engine.status_tree(task.id, poll=False)
    assert after["name"] == "two" and after != before and after == fresh(engine, task.id)


def test_many_tasks_stay_right_past_the_cache_bound(monkeypatch):
    monkeypatch.setattr(statuscache, "STATUS_CACHE_TASKS", 3)
    clock = VirtualClock(T0)
    engine = Engine(clock, 2)
    tasks = [
        engine.create_task(spec(linear("a", "b")), name=f"t{i}", creator="u", project_id=1).id
        for i in range(8)
    ]
    for task_id in tasks[::2]:
        engine.start_task(task_id, "u")
    for second in (0, 1, 5, 6, 11):
        clock.set(T0 + timedelta(seconds=second))
        for task_id in [*tasks, *reversed(tasks)]:
            assert engine.status_tree(task_id, poll=False) == fresh(engine, task_id)
    assert len(engine._views) == 3
