"""The scenario format and the tree conversion (no real engine needed)."""

import json

import pytest

from enginediff.gentree import build
from enginediff.kinds import KINDS, first_activity
from enginediff.scenario import Action, Behaviour, Scenario, ScenarioError
from enginediff.simside import SimRun
from enginediff.trees import activity_ids, engine_tree, fixture_templates, id_map, prepared_tree

TREE = build(
    [("act",), ("par", [[("act",)], [("act",), ("act",)]]), ("exg", [[("act",)], [("act",)]], 1)]
)


def test_a_scenario_survives_json():
    a = activity_ids(TREE)[0]
    scenario = Scenario(
        "s",
        TREE,
        {a: Behaviour(kind="fail", ex_data="boom", fail_times=1, ignorable=True)},
        (
            Action(0, "start"),
            Action(2, "retry", a, inputs={"x": 1}),
            Action(3, "callback", a, ok=False),
        ),
        horizon=9,
        constants={"${route_3}": "b0"},
    )
    again = Scenario.from_dict(json.loads(scenario.to_json()))
    assert again == Scenario.from_dict(scenario.to_dict())
    assert again.behaviours[a].fail_times == 1 and again.actions[2].ok is False
    assert again.constants == {"${route_3}": "b0"} and again.horizon == 9


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (lambda: Action(0, "jump"), "unknown action"),
        (lambda: Action(0, "retry"), "needs a node"),
        (lambda: Action(0, "skip_exg", "g"), "needs a flow"),
        (lambda: Behaviour(kind="explode"), "unknown behaviour"),
        (lambda: Scenario("s", TREE, actions=(Action(3, "start"), Action(1, "pause"))), "order"),
        (lambda: Scenario("s", TREE, actions=(Action(9, "start"),), horizon=2), "horizon"),
        (lambda: Scenario.from_dict({"tree": TREE}), "bad scenario"),
    ],
)
def test_bad_scenarios_are_refused_with_a_reason(make, text):
    with pytest.raises(ScenarioError, match=text):
        make()


def test_the_run_tree_pairs_every_template_node_and_flow():
    run = SimRun(Scenario("s", TREE, actions=(Action(0, "start"),), horizon=1))
    ids = id_map(TREE, run.run_tree)
    assert len(ids) == 2 + len(TREE["activities"]) + len(TREE["gateways"]) + len(TREE["flows"])
    assert set(ids) != set(ids.values())  # the simulator gave fresh ids
    for template_id, run_id in ids.items():
        if template_id in TREE["activities"]:
            assert run.run_tree["activities"][run_id]["template_node_id"] == template_id


def test_the_engine_tree_has_bamboos_shape_and_one_component_per_behaviour_kind():
    acts = activity_ids(TREE)
    kinds = {acts[0]: Behaviour(kind="poll", polls=2), acts[1]: Behaviour(kind="callback")}
    tree = engine_tree(TREE | {"id": "p" * 32}, kinds, {"${route_4}": "b0"})
    assert tree["id"] == "p" * 32 and tree["start_event"]["incoming"] == ""
    assert isinstance(tree["end_event"]["incoming"], list)
    codes = {k: a["component"]["code"] for k, a in tree["activities"].items()}
    assert codes[acts[0]] == "diff_poll" and codes[acts[1]] == "diff_callback"
    assert codes[acts[2]] == "diff_instant"
    behaviour = tree["activities"][acts[0]]["component"]["inputs"]["behaviour"]
    assert behaviour == {"type": "plain", "value": kinds[acts[0]].to_dict()}
    exg = next(g for g in tree["gateways"].values() if g["type"] == "ExclusiveGateway")
    assert all(set(c) == {"evaluate"} for c in exg["conditions"].values())
    assert tree["data"]["inputs"]["${route_4}"] == {"type": "plain", "value": "b0"}


def test_ignorable_behaviours_make_the_node_error_ignorable_and_skippable():
    a = activity_ids(TREE)[1]
    tree = prepared_tree(Scenario("s", TREE, {a: Behaviour(kind="fail", ignorable=True)}))
    assert tree["activities"][a]["error_ignorable"] is True and tree["activities"][a]["skippable"]
    assert TREE["activities"][a]["error_ignorable"] is False  # the scenario's tree is untouched


def test_every_fixture_template_gets_at_least_twelve_scenario_kinds():
    templates = fixture_templates()
    assert len(templates) >= 10
    for template_id, _, tree in templates:
        made = [k for k, make in KINDS.items() if make(template_id, tree) is not None]
        assert len(made) >= 12, template_id
        assert first_activity(tree) in tree["activities"]
    kinds = {k for tid, _, tree in templates for k, m in KINDS.items() if m(tid, tree)}
    assert {"skip_exg", "subprocess_pause"} <= kinds  # some template has each feature
