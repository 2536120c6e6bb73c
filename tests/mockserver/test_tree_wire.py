"""create_task's pipeline_tree from a stencil: the very bytes of the tree built and serialized."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from starlette.testclient import TestClient

import fixtures
from mockserver.app import create_app
from mockserver.handlers import treewire
from mockserver.settings import Settings
from simulator import Engine, ExcludeNodeError, ScenarioBook, TemplateSpec, VirtualClock

from .api import AUTH_HEADER

FIXTURE = fixtures.load("default")
TEMPLATES = [*FIXTURE.get("templates", []), *FIXTURE.get("common_templates", [])]
AWKWARD = [
    "plain",
    "\x00sops-mock-slot:0\x00",  # the marker text itself, sent as a value
    '"\\u0000sops-mock-slot:1\\u0000"',
    {"nested": ["任务", None, 1.5, {"deep": True}]},
    [],
    12345678901234567890,
]


def _engine() -> Engine:
    return Engine(VirtualClock(datetime(2026, 1, 5, tzinfo=UTC)), 5, ScenarioBook())


def _valued(tree):
    return [k for k, c in tree.get("constants", {}).items() if "value" in c]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: str(t["id"]))
def test_the_stencil_gives_the_built_trees_bytes(template):
    tree = template["pipeline_tree"]
    spec = TemplateSpec(int(template["id"]), 1, template["name"], "Default", tree)
    engine = _engine()
    keys = _valued(tree)
    cases = [{}, {k: AWKWARD[i % len(AWKWARD)] for i, k in enumerate(keys)}]
    cases += [{k: f"only {k}"} for k in keys[:3]]
    runs: list[tuple[dict, tuple[str, ...]]] = [(constants, ()) for constants in cases]
    runs += [(cases[-1], (node,)) for node in tree["activities"]]  # other prepared trees
    rendered = 0
    for constants, exclude in runs:
        try:
            task = engine.create_task(
                spec,
                name="t",
                creator="u",
                project_id=1,
                constants={**constants, "${unknown}": 1},
                exclude_task_nodes_id=exclude,
            )
        except ExcludeNodeError:
            continue
        source = task.tree_source
        stencil = treewire.make_stencil(source.prepared)
        assert stencil is not None
        built = orjson.dumps(task.pipeline_tree)
        assert treewire.render(stencil, source) == built
        assert treewire.render(stencil, source, task.pipeline_id) == built
        rendered += 1
    assert rendered >= len(cases)


def test_a_template_holding_marker_text_gets_no_stencil_and_still_answers():
    template = next(t for t in TEMPLATES if _valued(t["pipeline_tree"]))
    tree = orjson.loads(orjson.dumps(template["pipeline_tree"]))
    key = _valued(tree)[0]
    tree["constants"][key]["value"] = "\x00sops-mock-slot:7\x00"
    assert treewire.make_stencil(tree) is None


def test_a_given_constant_without_a_template_value_is_left_to_the_built_tree():
    template = next(t for t in TEMPLATES if _valued(t["pipeline_tree"]))
    tree = orjson.loads(orjson.dumps(template["pipeline_tree"]))
    key = _valued(tree)[0]
    del tree["constants"][key]["value"]
    spec = TemplateSpec(1, 1, "t", "Default", tree)
    task = _engine().create_task(spec, name="t", creator="u", project_id=1, constants={key: 1})
    stencil = treewire.make_stencil(task.tree_source.prepared)
    assert stencil is not None and treewire.render(stencil, task.tree_source) is None
    assert list(task.pipeline_tree["constants"][key])[-1] == "value"  # why: it moved last


BIZ2 = [t for t in FIXTURE["templates"] if t["project_id"] == 1][:10]


def _answers(validate: bool, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The same create_task calls against a mock that builds trees (validating) or renders them."""
    rendered = []
    real = treewire.render

    def counted(*args):
        rendered.append(1)
        return real(*args)

    monkeypatch.setattr(treewire, "render", counted)
    app = create_app(Settings(clock="virtual", validate_responses=validate))
    bodies = []
    with TestClient(app) as client:
        for template in BIZ2:
            keys = list(template["pipeline_tree"].get("constants", {}))
            for body in ({"name": "a"}, {"name": "b", "constants": dict.fromkeys(keys, "任务")}):
                answer = client.post(
                    f"/apigw/create_task/{template['id']}/2/", json=body, headers=AUTH_HEADER
                )
                assert answer.status_code == 200, answer.text
                bodies.append(answer.content)
    assert bool(rendered) is not validate  # each mock took the road it was meant to
    return bodies


def test_answers_are_byte_identical_to_the_built_trees(monkeypatch):
    rendered = _answers(False, monkeypatch)
    built = _answers(True, monkeypatch)
    assert rendered == built
    assert len(rendered) == 2 * len(BIZ2) and len(BIZ2) >= 8


def test_percent_signs_in_the_template_come_out_as_they_are():
    template = next(t for t in TEMPLATES if _valued(t["pipeline_tree"]))
    tree = orjson.loads(orjson.dumps(template["pipeline_tree"]))
    for act in tree["activities"].values():
        act["name"] = "100% done %s %b %%"
    key = _valued(tree)[0]
    tree["constants"][key]["value"] = "50%"
    spec = TemplateSpec(1, 1, "t", "Default", tree)
    engine = _engine()
    for given in ({}, {key: "%b%s%%"}):
        task = engine.create_task(spec, name="t", creator="u", project_id=1, constants=given)
        stencil = treewire.make_stencil(task.tree_source.prepared)
        assert stencil is not None
        assert treewire.render(stencil, task.tree_source) == orjson.dumps(task.pipeline_tree)
