"""How a served mock sets Python's cyclic garbage collector.

The settings are process-wide, so only `sops-mock serve`, which owns its process, applies them;
`create_app` leaves the collector alone (tests build many apps in one process).

A mock under load keeps what it makes: every created task stays until a reset. Left alone,
the collector walks all of them again on each older-generation pass, so a create-heavy load
pays more per request the longer it runs, and its slowest answers wait for passes over the
whole heap. Here what survives a middle-generation pass is frozen (left out of later passes),
and the frozen set is thawed for one complete pass each time it has doubled: every object is
walked a bounded number of times, and garbage cycles among frozen objects (a reset's old state)
are still found, at the latest when the heap has doubled.
"""

from __future__ import annotations

import gc
from typing import Any

YOUNG_THRESHOLD = 5_000
# Middle-generation passes before the first complete pass; the interval doubles after each.
# (The frozen set grows by about the same amount each pass, so it doubles in between too.)
# Counted, not measured: gc.get_freeze_count() walks the whole frozen set.
FIRST_THAW = 64


class SurvivorFreezer:
    """A `gc.callbacks` hook: freezes middle-pass survivors, thaws at doubling intervals."""

    def __init__(self) -> None:
        self.passes = 0
        self.next_thaw = FIRST_THAW
        self.thaws = 0
        self.thawed = False

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop" or info["generation"] == 0:
            return
        if self.thawed:
            if info["generation"] == 2:
                # The complete pass has run: what is frozen now is what it found alive.
                self.thawed = False
                gc.freeze()
            return
        self.passes += 1
        if self.passes >= self.next_thaw:
            gc.unfreeze()  # the next oldest-generation pass walks everything once
            self.thawed, self.thaws = True, self.thaws + 1
            self.next_thaw *= 2
            return
        gc.freeze()


def tune_for_serving() -> SurvivorFreezer:
    """Freeze what start-up built, then keep freezing what survives (see the module's text).

    After start-up the heap holds the imported modules, the compiled schemas and the fixture
    catalog: long-lived and never garbage.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    freezer = SurvivorFreezer()
    gc.callbacks.append(freezer)
    return freezer
