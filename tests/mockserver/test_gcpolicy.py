"""The served mock's collector settings, applied in a process of its own (they are process-wide)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import gc
from mockserver.app import create_app
from mockserver.gcpolicy import YOUNG_THRESHOLD, tune_for_serving
from mockserver.settings import Settings
create_app(Settings())
before = gc.get_freeze_count()
tune_for_serving()
print(before, gc.get_freeze_count() > 10_000, gc.get_threshold()[0] == YOUNG_THRESHOLD)
"""


def test_serving_freezes_the_startup_heap_and_collects_the_young_less_often():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "True", "True"]
