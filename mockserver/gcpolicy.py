"""How a served mock sets Python's cyclic garbage collector.

The settings are process-wide, so only `sops-mock serve`, which owns its process, applies them;
`create_app` leaves the collector alone (tests build many apps in one process).
"""

from __future__ import annotations

import gc

# A request allocates a few hundred container objects (parameters, the call, the answer, a
# task's tree on create), so the default of 700 ran a young collection every request or two.
YOUNG_THRESHOLD = 20_000


def tune_for_serving() -> None:
    """Freeze what start-up built, and collect the young generation less often.

    After start-up the heap holds the imported modules, the compiled schemas and the fixture
    catalog: long-lived and never garbage. Frozen, they are left out of every later collection,
    which otherwise walks them all on each full pass. Objects that die later (tasks dropped on
    reset, answers) are young or old, never frozen, and are collected as before.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
