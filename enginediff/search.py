"""The hypothesis-driven search: random trees and action scripts, run on both sides; a difference
no known deviation explains fails the property, and hypothesis shrinks it to a small case.

`search(examples, seed)` returns what it tried and found; known deviations are counted, not
failed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from .gentree import Block, build
from .run import Outcome, run_both
from .scenario import Action, Behaviour, Scenario
from .trees import activity_ids, gateways, subprocess_ids

# leaves -------------------------------------------------------------------------------------
ACT: Block = ("act",)


def _branches(inner: st.SearchStrategy[list[Block]]) -> st.SearchStrategy[list[list[Block]]]:
    return st.lists(inner, min_size=2, max_size=3)


def _blocks(depth: int) -> st.SearchStrategy[list[Block]]:
    if depth == 0:
        return st.lists(st.just(ACT), min_size=1, max_size=2)
    inner = _blocks(depth - 1)
    par = _branches(inner).map(lambda b: ("par", b))
    exg = _branches(inner).flatmap(
        lambda b: st.integers(-1, len(b) - 1).map(lambda hit: ("exg", b, hit))
    )
    cpg = _branches(inner).flatmap(
        lambda b: st.sets(st.integers(0, len(b) - 1), min_size=1).map(
            lambda hits: ("cpg", b, tuple(sorted(hits)))
        )
    )
    sub = st.lists(
        st.one_of(st.just(ACT), _branches(st.just([ACT])).map(lambda b: ("par", b))),
        min_size=1,
        max_size=2,
    ).map(lambda body: ("sub", body))
    block = st.one_of(st.just(ACT), par, exg, cpg, sub)
    return st.lists(block, min_size=1, max_size=3)


BEHAVIOURS = st.one_of(
    st.just(Behaviour()),
    st.builds(
        Behaviour, kind=st.just("fail"), fail_times=st.integers(0, 1), ignorable=st.booleans()
    ),
    st.builds(Behaviour, kind=st.just("poll"), polls=st.integers(1, 3)),
    st.builds(Behaviour, kind=st.just("callback"), ignorable=st.booleans()),
)

NODE_OPS = ("retry", "skip", "forced_fail", "callback")


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    tree = build(draw(_blocks(2)))
    acts = activity_ids(tree)
    behaviours = {a: draw(BEHAVIOURS) for a in acts}
    subs = subprocess_ids(tree)
    exgs = [g for g in gateways(tree) if g["type"] == "ExclusiveGateway"]
    actions = [Action(0, "start")]
    at = 0
    # node operations mostly aim at activities, sometimes at a gateway or a subprocess (where
    # the engines must refuse them alike)
    others = [g["id"] for g in gateways(tree)] + subs
    for _ in range(draw(st.integers(0, 6))):
        at += draw(st.integers(0, 3))
        choices = ["pause", "resume", "revoke", *NODE_OPS]
        if subs:
            choices += ["pause_subproc", "resume_subproc"]
        if exgs:
            choices.append("skip_exg")
        op = draw(st.sampled_from(choices))
        if op in NODE_OPS:
            pool = others if others and draw(st.integers(0, 5)) == 0 else acts
            node = draw(st.sampled_from(pool))
            inputs = {"note": "again"} if op == "retry" and draw(st.booleans()) else None
            ok = draw(st.booleans()) if op == "callback" else True
            actions.append(Action(at, op, node, inputs=inputs, ok=ok))
        elif op in ("pause_subproc", "resume_subproc"):
            actions.append(Action(at, op, draw(st.sampled_from(subs))))
        elif op == "skip_exg":
            gw = draw(st.sampled_from(exgs))
            flow = draw(st.sampled_from(sorted(gw["conditions"])))
            actions.append(Action(at, op, gw["id"], flow))
        else:
            actions.append(Action(at, op))
    return Scenario("generated", tree, behaviours, tuple(actions), horizon=at + 10)


@dataclass
class SearchResult:
    tried: int = 0
    deviations: dict[str, int] = field(default_factory=dict)
    found: Outcome | None = None  # the shrunk unexplained difference, if any
    differences: int = 0  # unexplained differences met while searching (before shrinking)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tried": self.tried,
            "deviations": dict(sorted(self.deviations.items())),
            "differences": self.differences,
            "found": None if self.found is None else self.found.scenario.to_dict(),
        }


class _Found(AssertionError):
    pass


def search(examples: int = 200, seed: int = 0) -> SearchResult:
    """Run `examples` generated scenarios; shrink the first unexplained difference."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as use_seed

    result = SearchResult()
    last: list[Outcome] = []

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    @use_seed(seed)
    @given(scenarios())
    def prop(scenario: Scenario) -> None:
        result.tried += 1
        outcome = run_both(scenario)
        if outcome.deviation is not None:
            key = outcome.deviation.key
            result.deviations[key] = result.deviations.get(key, 0) + 1
        if outcome.failed:
            result.differences += 1
            last[:] = [outcome]
            raise _Found(outcome.difference)

    try:
        prop()
    except _Found:
        result.found = last[0]
    return result
