"""Every template of the default fixture runs through the engine with the fixture's scenarios."""

from datetime import UTC

import pytest

import fixtures
from simulator import Engine, ScenarioBook, TemplateSpec, VirtualClock

from .builders import T0

FIXTURE = fixtures.load("default")
TEMPLATES = [*FIXTURE.get("templates", []), *FIXTURE.get("common_templates", [])]


def _book():
    book = ScenarioBook()
    scenarios = {int(t["id"]): t.get("scenarios", {}) for t in TEMPLATES}
    book.load_fixture(FIXTURE.get("scenario_defaults"), scenarios)
    return book


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: str(t["id"]))
def test_fixture_template_runs(template):
    clock = VirtualClock(T0)
    engine = Engine(clock, 1, _book())
    tree = template["pipeline_tree"]
    spec = TemplateSpec(int(template["id"]), 1, template["name"], "Default", tree)
    task = engine.create_task(spec, name="fixture run", creator="u", project_id=1)
    engine.start_task(task.id, "u")
    clock.advance(24 * 3600)
    status = engine.status_tree(task.id, tz=UTC, poll=False)
    assert status["state"] in ("FINISHED", "RUNNING", "FAILED", "NODE_SUSPENDED")
    assert engine.next_due() is None  # nothing is left scheduled after a day
    failed = engine.failed_ex_data(task.id)
    assert (status["state"] == "FAILED") == bool(failed)
    if status["state"] == "FINISHED":
        assert len(status["children"]) >= 3 and engine.task(task.id).is_finished
