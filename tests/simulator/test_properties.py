"""Engine invariants under random operations and clock moves (hypothesis, derandomized)."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import Engine, VirtualClock

from .builders import T0
from .programs import apply, create, new_engine, observe, programs

FAST = settings(max_examples=60, derandomize=True, deadline=None)


def _run(seed, n, program, *, watch=None):
    clock = VirtualClock(T0)
    engine = new_engine(seed, clock)
    task_id = create(engine, n=n)
    seen: list = []
    for advance, op in program:
        clock.advance(advance)
        outcome = apply(engine, task_id, op)
        seen.append((outcome, observe(engine, task_id)))
        if watch:
            watch(engine, task_id)
    clock.advance(60)
    seen.append(observe(engine, task_id))
    return engine, clock, task_id, seen


constants = st.sampled_from([1, 2, "not a number"])


@FAST
@given(seed=st.integers(0, 3), n=constants, program=programs)
def test_same_seed_same_program_same_log_and_views(seed, n, program):
    assert _run(seed, n, program)[3] == _run(seed, n, program)[3]


@FAST
@given(n=constants, program=programs)
def test_terminal_states_stay_terminal(n, program):
    frozen: dict = {}

    def watch(engine, task_id):
        state = engine.task(task_id).state
        if "state" in frozen:
            assert state == frozen["state"]
            if state == "FINISHED":
                assert engine.status_tree(task_id, poll=False) == frozen["tree"]
        elif state in ("FINISHED", "REVOKED"):
            frozen.update(state=state, tree=engine.status_tree(task_id, poll=False))

    _run(5, n, program, watch=watch)


@FAST
@given(n=constants, program=programs, cut=st.integers(0, 25))
def test_a_task_rebuilt_from_its_record_equals_the_live_one(n, program, cut):
    clock = VirtualClock(T0)
    engine = new_engine(9, clock)
    task_id = create(engine, n=n)
    for advance, op in program[:cut]:
        clock.advance(advance)
        apply(engine, task_id, op)
    state = {"format": 1, "seed": 9, "next_task_id": 2, "tasks": [engine.record(task_id)]}
    twin_clock = VirtualClock(clock.now())
    twin = Engine.from_state(twin_clock, state)
    assert observe(twin, task_id) == observe(engine, task_id)
    for advance, op in program[cut:]:
        for c in (clock, twin_clock):
            c.advance(advance)
        assert apply(twin, task_id, op) == apply(engine, task_id, op)
    assert observe(twin, task_id) == observe(engine, task_id)


def _timeline(program):
    at, out = 0.0, []
    for advance, op in program:
        at += advance
        out.append((at, op))
    return out


def _interleave(engine, clock, plans, order):
    """Run (task, [(absolute second, op)]) plans merged by time; `order` breaks ties."""
    queue = [
        (at, order[pos], i, task, op)
        for pos, (task, plan) in enumerate(plans)
        for i, (at, op) in enumerate(plan)
    ]
    queue.sort(key=lambda item: item[:3])
    outcomes: dict[int, list] = {task: [] for task, _ in plans}
    for at, _, _, task, op in queue:
        clock.set(T0 + timedelta(seconds=at))
        outcomes[task].append(apply(engine, task, op))
    clock.set(T0 + timedelta(seconds=200))
    return {task: (outcomes[task], observe(engine, task)) for task, _ in plans}


@settings(max_examples=30, derandomize=True, deadline=None)
@given(
    first=programs,
    second=programs,
    n=constants,
    order=st.lists(st.integers(0, 1), min_size=2, max_size=2),
)
def test_interleavings_do_not_change_per_task_outcomes(first, second, n, order):
    results = []
    for tie_break in (order, [1 - order[0], 1 - order[1]]):
        clock = VirtualClock(T0)
        engine = new_engine(4, clock)
        a, b = create(engine, n=n), create(engine, n=1)
        results.append(
            _interleave(engine, clock, [(a, _timeline(first)), (b, _timeline(second))], tie_break)
        )
    assert results[0] == results[1]
    clock = VirtualClock(T0)
    solo = new_engine(4, clock)
    create(solo, n=n)
    b = create(solo, n=1)
    assert _interleave(solo, clock, [(b, _timeline(second))], [0])[b] == results[0][b]
