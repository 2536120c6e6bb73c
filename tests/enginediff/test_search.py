"""The hypothesis search: it runs, counts, and finds and shrinks a planted difference."""

import dataclasses

from enginediff import simside
from enginediff.search import search

from .conftest import needs_engine

pytestmark = needs_engine


def test_a_short_search_finds_no_unexplained_difference():
    result = search(examples=25, seed=3)
    assert result.tried == 25
    assert result.found is None, result.as_dict()


def test_the_search_finds_and_shrinks_a_planted_difference(monkeypatch):
    original = simside.sim_behaviour

    def callbacks_fail(spec):  # a simulator whose callback nodes never wait
        made = original(spec)
        return dataclasses.replace(made, outcome="succeed") if spec.kind == "callback" else made

    monkeypatch.setattr(simside, "sim_behaviour", callbacks_fail)
    result = search(examples=60, seed=1)
    assert result.found is not None and result.differences >= 1
    shrunk = result.found.scenario
    kinds = [b.kind for b in shrunk.behaviours.values()]
    assert "callback" in kinds
    assert len(shrunk.tree["activities"]) <= 2  # shrunk to a small tree
