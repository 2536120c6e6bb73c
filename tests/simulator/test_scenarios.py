"""Scenarios: the dict format, validation, the book's resolution order, built-in defaults,
sleep_timer's duration input and seeded jitter."""

import pytest

from simulator import InvalidScenario, Scenario, ScenarioBook

from .builders import Run, Tree, engine, linear, spec


def test_dict_format_round_trips_and_keys_are_optional():
    data = {"duration": 5, "jitter": 0, "outcome": "fail_then_succeed", "fail_times": 1,
            "ex_data": "x", "polls": 3, "outputs": {"k": [1]}}  # fmt: skip
    scenario = Scenario.from_dict(data)
    assert scenario.to_dict() == data
    assert Scenario.from_dict({}) == Scenario()
    assert Scenario.from_dict({"duration_input": "t"}).to_dict()["duration_input"] == "t"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"outcome": "explode"}, "outcome"),
        ({"duration": -1}, "duration"),
        ({"duration": "5"}, "duration"),
        ({"jitter": -0.5}, "jitter"),
        ({"fail_times": 1.5}, "fail_times"),
        ({"polls": -1}, "polls"),
        ({"outputs": []}, "outputs"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_scenarios(data, field):
    with pytest.raises(InvalidScenario) as caught:
        Scenario.from_dict(data)
    assert caught.value.field == field


def test_resolution_order():
    book = ScenarioBook()
    assert book.resolve(1, "n", "unknown_code") == Scenario()
    assert book.resolve(1, "n", "pause_node").outcome == "callback"
    assert book.resolve(1, "n", "sleep_timer").duration_input == "bk_timing"
    book.set_component_default("job", {"duration": 9})
    book.set_template_node(1, "n", {"duration": 1})
    assert book.resolve(1, "n", "job").duration == 1
    assert book.resolve(2, "n", "job").duration == 9
    assert ScenarioBook.from_dict(book.to_dict()).to_dict() == book.to_dict()
    version = book.version
    book.set_component("job", None)
    assert book.resolve(2, "n", "job") == Scenario() and book.version == version + 1


def test_fixture_format_loads():
    book = ScenarioBook()
    book.load_fixture({"job": {"duration": 2}}, {7: {"n1": {"outcome": "fail"}}})
    assert (
        book.resolve(7, "n1", "job").outcome == "fail"
        and book.resolve(8, "n1", "job").duration == 2
    )


def test_the_book_is_snapshotted_at_creation():
    e, clock = engine()
    first = e.create_task(spec(linear("a")), name="t", creator="u", project_id=1).id
    e.scenarios.set_component("demo", {"outcome": "fail", "duration": 1})
    second = e.create_task(spec(linear("a")), name="t", creator="u", project_id=1).id
    e.start_task(first, "u")
    e.start_task(second, "u")
    clock.advance(5)
    assert e.task(first).state == "FINISHED"
    assert e.failed_ex_data(second) != {}


@pytest.mark.parametrize(
    ("timing", "constants", "finished_after"),
    [("7", {}, 7), (3, {}, 3), ("${t}", {"${t}": "4"}, 4), ("${t}", {"${t}": 0}, 0)],
)
def test_sleep_timer_takes_its_duration_from_bk_timing(timing, constants, finished_after):
    builder = Tree().act("a", "sleep_timer", data={"bk_timing": timing}).var("t", "1")
    run = Run(builder.chain("start", "a", "end").build(), constants=constants).start()
    if finished_after:
        run.wait(finished_after - 0.5)
        assert run.state == "RUNNING"
    run.wait(0.5)
    assert run.state == "FINISHED"


def test_sleep_timer_with_bad_input_fails():
    tree = (
        Tree()
        .act("a", "sleep_timer", data={"bk_timing": "soon"})
        .chain("start", "a", "end")
        .build()
    )
    run = Run(tree).start()
    assert run.engine.failed_ex_data(run.task_id) == {run.ids["a"]: "invalid bk_timing: 'soon'"}


def _finish_times(seed):
    run = Run(
        linear("a", "b", "c"),
        seed=seed,
        scenarios={k: {"duration": 10, "jitter": 4} for k in "abc"},
    )
    run.start().wait(100)
    return [run.node(k)["finish_time"] for k in "abc"]


def test_jitter_is_seeded():
    assert _finish_times(1) == _finish_times(1)
    assert _finish_times(1) != _finish_times(2)
    assert len(set(_finish_times(1))) == 3


def test_replacing_the_book_takes_effect_for_new_tasks():
    e, clock = engine()
    e.create_task(spec(linear("a")), name="t", creator="u", project_id=1)
    e.scenarios = ScenarioBook(components={"demo": Scenario(outcome="fail", duration=1)})
    second = e.create_task(spec(linear("a")), name="t", creator="u", project_id=1).id
    for task_id in (1, second):
        e.start_task(task_id, "u")
    clock.advance(5)
    assert e.task(1).state == "FINISHED" and e.failed_ex_data(second) != {}
