"""Periodic tasks in the engine: runs at their clock readings, in order with other work."""

from __future__ import annotations

import json

import pytest

from simulator import Engine, InvalidCron, PeriodicInfo, PeriodicTaskNotFound, VirtualClock

from .builders import T0, engine, linear, spec

EVERY_MINUTE = {"minute": "*"}


def periodic(eng: Engine, cron: dict[str, object] | None = None, **kw: object) -> int:
    info = eng.create_periodic_task(
        spec(linear("a", "b")),
        name="p",
        creator="ops",
        cron=cron or EVERY_MINUTE,
        timezone="Asia/Shanghai",
        **kw,  # type: ignore[arg-type]
    )
    return info.id


def found(eng: Engine, pid: int) -> PeriodicInfo:
    info = eng.find_periodic_task(pid)
    assert info is not None
    return info


def runs(eng: Engine) -> list[tuple[str, str, str]]:
    return [
        (t.name, t.create_method, t.state) for t in eng.tasks() if t.create_method == "periodic"
    ]


def test_a_new_periodic_task_is_disabled_and_never_runs():
    eng, clock = engine()
    pid = periodic(eng)
    clock.advance(3600)
    assert eng.tasks() == [] and found(eng, pid).total_run_count == 0


def test_runs_fall_on_minute_boundaries_and_their_tasks_progress_from_there():
    eng, clock = engine()  # T0 = 08:00:00 UTC = 16:00 Shanghai
    pid = periodic(eng)
    clock.advance(30)
    eng.set_periodic_enabled(pid, True, "ops")  # at 08:00:30: the next run is 08:01:00
    clock.advance(90 + 3)  # 08:02:03
    assert [r[0] for r in runs(eng)] == ["p_20240501160100", "p_20240501160200"]
    first, second = (t for t in eng.tasks() if t.create_method == "periodic")
    assert first.start_time == T0.replace(minute=1) and first.creator == "ops"
    assert first.create_info == str(pid) and first.executor == "ops"
    # Each task ran from its own start: a (5 s) then b (5 s).
    assert first.state == "FINISHED" and second.state == "RUNNING"
    info = found(eng, pid)
    assert info.total_run_count == 2 and info.last_run_at == T0.replace(minute=2)


def test_disable_stops_and_a_modified_cron_counts_from_now():
    eng, clock = engine()
    pid = periodic(eng, {"minute": "0"})
    eng.set_periodic_enabled(pid, True, "ops")
    clock.advance(3600)  # 09:00 fires
    eng.set_periodic_enabled(pid, False, "ops")
    clock.advance(7200)
    assert found(eng, pid).total_run_count == 1
    eng.set_periodic_enabled(pid, True, "ops")  # at 11:00:00; 11:00 itself is not after it
    eng.modify_periodic_cron(pid, {"minute": "*/30"}, "Asia/Shanghai")
    clock.advance(3600)
    assert found(eng, pid).total_run_count == 3  # 11:30, 12:00


def test_refusals_leave_no_trace():
    eng, _ = engine()
    with pytest.raises(InvalidCron):
        periodic(eng, {"hour": "25"})
    assert eng.periodic_tasks(1) == []
    with pytest.raises(PeriodicTaskNotFound):
        eng.set_periodic_enabled(9, True, "ops")
    pid = periodic(eng)
    with pytest.raises(InvalidCron):
        eng.modify_periodic_cron(pid, {"minute": "a-b"}, "UTC")
    assert found(eng, pid).cron == "* * * * * (m/h/d/dM/MY) Asia/Shanghai"


def test_constants_change_what_the_next_runs_start_with():
    eng, clock = engine()
    tree = linear("a")
    tree["constants"] = {"${x}": {"key": "${x}", "value": "1", "show_type": "show"}}
    tree["activities"]["a"]["component"]["data"] = {"v": {"hook": False, "value": "${x}"}}
    info = eng.create_periodic_task(
        spec(tree),
        name="c",
        creator="ops",
        cron=EVERY_MINUTE,
        timezone="UTC",
        constants={"${x}": "2"},
    )
    assert info.form["${x}"]["value"] == "2"
    eng.set_periodic_enabled(info.id, True, "ops")
    clock.advance(60)
    assert eng.modify_periodic_constants(info.id, {"${x}": "3", "${y}": 0})["${x}"]["value"] == "3"
    clock.advance(60)
    first, second = eng.tasks()
    assert first.pipeline_tree["constants"]["${x}"]["value"] == "2"
    assert second.pipeline_tree["constants"]["${x}"]["value"] == "3"


def _night(eng: Engine, clock: VirtualClock) -> None:
    pid = periodic(eng, {"minute": "*/7"})
    eng.set_periodic_enabled(pid, True, "ops")
    clock.advance(1800)


def test_export_and_import_carry_the_schedule_and_its_runs():
    eng, clock = engine()
    _night(eng, clock)
    state = json.loads(json.dumps(eng.export_state()))
    assert state["periodic"]["tasks"][0]["total_run_count"] == len(runs(eng)) > 0
    copy = Engine(VirtualClock(clock.now()), 7)
    copy.import_state(state)
    assert copy.export_state() == eng.export_state()
    for e in (eng, copy):
        e.clock.advance(1800)  # type: ignore[attr-defined]
    assert runs(copy) == runs(eng) and copy.export_state() == eng.export_state()


def test_same_seed_same_calls_same_runs():
    (a, ca), (b, cb) = engine(), engine()
    _night(a, ca)
    _night(b, cb)
    assert a.export_state() == b.export_state()


def test_run_tasks_report_their_ends_at_their_own_readings():
    eng, clock = engine()
    eng.task_ends.keep = True
    pid = periodic(eng)
    eng.set_periodic_enabled(pid, True, "ops")
    clock.advance(130)  # runs at 08:01 and 08:02; each takes 10 s
    ends = eng.take_task_ends()
    assert [(end.at.minute, end.at.second, end.how) for end in ends] == [
        (1, 10, "finished"),
        (2, 10, "finished"),
    ]
