"""Run one scenario on both sides and judge it: same, a known deviation, or a difference."""

from __future__ import annotations

from dataclasses import dataclass

from .compare import first_difference
from .deviations import Deviation, explain
from .scenario import Scenario
from .simside import SimRun
from .trace import ROOT, Trace


@dataclass
class Outcome:
    scenario: Scenario
    real: Trace
    sim: Trace
    difference: str | None
    deviation: Deviation | None

    @property
    def verdict(self) -> str:
        if self.difference is None:
            return "same"
        return f"deviation: {self.deviation.key}" if self.deviation else "DIFFERENT"

    @property
    def failed(self) -> bool:
        return self.difference is not None and self.deviation is None


def summary(trace: Trace) -> str:
    """The root's final state and how many nodes ended in each state, e.g. FAILED (F1 R0 ...)."""
    final = trace.final
    root = final.get(ROOT, ("CREATED",))[0]
    counts: dict[str, int] = {}
    for node, row in final.items():
        if node != ROOT:
            counts[row[0]] = counts.get(row[0], 0) + 1
    parts = " ".join(f"{s[:4]}:{n}" for s, n in sorted(counts.items()))
    return f"{root} [{parts}]"


def run_both(scenario: Scenario) -> Outcome:
    """The real engine (deterministic, in-process) and the simulator on a scenario."""
    from .real.runner import DeterministicRun

    real = DeterministicRun(scenario).run()
    sim = SimRun(scenario).run()
    difference = first_difference(real, sim)
    deviation = None if difference is None else explain(scenario, real, sim, difference)
    return Outcome(scenario, real, sim, difference, deviation)


def engine_available() -> bool:
    """Whether the engine-diff extra (bamboo-engine + bamboo-pipeline + Django) is installed."""
    import importlib.util

    return all(
        importlib.util.find_spec(name) is not None
        for name in ("bamboo_engine", "pipeline", "django")
    )
