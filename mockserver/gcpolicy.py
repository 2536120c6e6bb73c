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

All of that assumes CPython's three-generation collector (3.13 and older). CPython 3.14's
incremental collector has a young and an old space, a third threshold that means nothing and a
`gc.collect(1)` that is an increment: on it, and on any interpreter that is not CPython, the
policy stays off and says so in the log.
"""

from __future__ import annotations

import gc
import logging
import sys
from typing import Any

logger = logging.getLogger("uvicorn.error.sops_mock")

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


def unsupported_collector() -> str | None:
    """Why this interpreter's collector is not the one the policy is written for, else None."""
    if sys.implementation.name != "cpython":
        return f"{sys.implementation.name} is not CPython"
    if sys.version_info >= (3, 14):
        return f"CPython {sys.version_info[0]}.{sys.version_info[1]} collects incrementally"
    thresholds: tuple[int, ...] = gc.get_threshold()
    if len(thresholds) != 3 or thresholds[2] == 0:
        return f"the collector's thresholds {thresholds} are not three generations'"
    return None


def tune_for_serving() -> SurvivorFreezer | None:
    """Freeze what start-up built, then keep freezing what survives (see the module's text).

    After start-up the heap holds the imported modules, the compiled schemas and the fixture
    catalog: long-lived and never garbage. On a collector of another design nothing changes and
    None is returned.
    """
    reason = unsupported_collector()
    if reason is not None:
        logger.warning("collector policy off: %s; the collector keeps its defaults", reason)
        return None
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    freezer = SurvivorFreezer()
    gc.callbacks.append(freezer)
    return freezer
