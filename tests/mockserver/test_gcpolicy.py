"""The served mock's collector settings, applied in a process of its own (they are process-wide)."""

from __future__ import annotations

import gc
import logging
import subprocess
import sys
from types import SimpleNamespace

import pytest

from mockserver import gcpolicy

SCRIPT = """
import gc
from mockserver.app import create_app
from mockserver.gcpolicy import YOUNG_THRESHOLD, tune_for_serving
from mockserver.settings import Settings
create_app(Settings())
before = gc.get_freeze_count()
freezer = tune_for_serving()
print(before, gc.get_freeze_count() > 10_000, gc.get_threshold()[0] == YOUNG_THRESHOLD)
print(freezer in gc.callbacks)
"""

# A garbage cycle made of objects that were frozen while alive: left alone by every pass until
# the frozen set is thawed, and collected by the complete pass that follows.
CYCLE = """
import gc, weakref
from mockserver.gcpolicy import FIRST_THAW, tune_for_serving
freezer = tune_for_serving()

class Node:
    pass

a, b = Node(), Node()
a.other, b.other = b, a
alive = weakref.ref(a)
frozen_before = gc.get_freeze_count()
gc.collect(1)  # a middle pass: the cycle survives it, alive, and is frozen
print(gc.get_freeze_count() > frozen_before)
del a, b
gc.collect(1)
gc.collect(2)  # a full pass, but the cycle is frozen: it stays
print(alive() is not None)
for _ in range(FIRST_THAW):
    gc.collect(1)
print(freezer.thaws, freezer.thawed, alive() is not None)
gc.collect(2)  # the complete pass after the thaw
print(alive() is None, freezer.thawed, gc.get_freeze_count() > 0)
"""


def _run(script: str) -> list[str]:
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()


def test_serving_freezes_the_startup_heap_and_collects_the_young_less_often():
    assert _run(SCRIPT) == ["0", "True", "True", "True"]


def test_frozen_garbage_cycles_are_collected_after_a_thaw():
    assert _run(CYCLE) == ["True", "True", "1", "True", "True", "True", "False", "True"]


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


@pytest.mark.parametrize(
    ("implementation", "version", "thresholds", "reason"),
    [
        ("pypy", (3, 11, 0), (700, 10, 10), "pypy is not CPython"),
        ("cpython", (3, 14, 0), (2000, 10, 0), "CPython 3.14 collects incrementally"),
        ("cpython", (3, 12, 0), (700, 10, 0), "are not three generations'"),
        ("cpython", (3, 12, 0), (700, 10), "are not three generations'"),
    ],
)
def test_another_collector_is_left_alone_and_the_log_says_why(
    monkeypatch, implementation, version, thresholds, reason
):
    monkeypatch.setattr(sys, "implementation", SimpleNamespace(name=implementation))
    monkeypatch.setattr(sys, "version_info", version)
    monkeypatch.setattr(gc, "get_threshold", lambda: thresholds)
    touched: list[str] = []
    for name in ("collect", "freeze", "set_threshold", "unfreeze"):
        monkeypatch.setattr(gc, name, lambda *a, name=name: touched.append(name))
    callbacks = list(gc.callbacks)
    # On the module's own logger: uvicorn's logging set-up, once run, stops propagation above it.
    lines = Lines()
    gcpolicy.logger.addHandler(lines)
    try:
        assert gcpolicy.tune_for_serving() is None
    finally:
        gcpolicy.logger.removeHandler(lines)
    assert touched == []
    assert gc.callbacks == callbacks
    [line] = lines.lines
    assert line.startswith("WARNING collector policy off: ")
    assert reason in line


def test_cpython_before_3_14_is_the_collector_the_policy_is_written_for():
    expected = sys.implementation.name == "cpython" and sys.version_info < (3, 14)
    assert (gcpolicy.unsupported_collector() is None) == expected
