"""The mutable heart of one app: fixture catalog, clock and engine, behind one lock."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from datetime import tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import fixtures
from simulator import Clock, Engine, ScenarioBook, VirtualClock, WallClock

from .answer_cache import AnswerCache
from .catalog import Catalog
from .faults import FaultProfile
from .iam import Policy
from .journal import Journal
from .memo import Memo
from .outbound import Outbox, Pump
from .settings import Settings
from .startqueue import DEFAULT_DELAY, StartQueue, read_delay

if TYPE_CHECKING:
    from .store import Store
    from .store.lock import StoreLock


def scenario_book(fixture: Mapping[str, Any]) -> ScenarioBook:
    book = ScenarioBook()
    for code, scenario in fixture.get("scenario_defaults", {}).items():
        book.set_component_default(code, scenario)
    for template in [*fixture.get("templates", []), *fixture.get("common_templates", [])]:
        for node_id, scenario in template.get("scenarios", {}).items():
            book.set_template_node(int(template["id"]), node_id, scenario)
    return book


def make_clock(settings: Settings) -> Clock:
    if settings.clock == "wall":
        return WallClock(speed=settings.speed)
    return VirtualClock(settings.start)


class MockState:
    """Everything a request may read or change. Access goes through `lock`.

    Engine work is short and CPU-bound, so one lock serialises it; handlers never await while
    holding it.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # A StoreLock (store/lock.py) once a store is attached: every hold is a transaction.
        self.lock: threading.RLock | StoreLock = threading.RLock()
        self.store: Store | None = None
        self.tz: tzinfo = ZoneInfo(settings.time_zone)
        # Injected latency waits through this; tests swap in a recorder instead of sleeping.
        self.sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
        self.load(settings.fixture, settings.seed)

    def load(self, fixture_name: str, seed: int) -> None:
        self.install(fixture_name, fixtures.load(fixture_name), seed, make_clock(self.settings))

    def install(
        self,
        fixture_name: str,
        fixture: Mapping[str, Any],
        seed: int,
        clock: Clock,
        engine: Engine | None = None,
    ) -> None:
        """Replace everything: catalog, clock, engine, counters, journal, faults, scenario log."""
        self.fixture_name = fixture_name
        self.seed = seed
        self.catalog = Catalog(fixture)
        self.policy = Policy(fixture.get("iam"))
        # Emptied with everything else; switched on or off by settings or the control API,
        # and a reset keeps the switch where it is.
        previous = getattr(self, "caches", None)
        self.caches = AnswerCache(self.settings.caches if previous is None else previous.enabled)
        # Answers that follow from the catalog and the request alone (see memo.py).
        self.memo = Memo()
        self.clock = clock
        self._engine = engine or Engine(self.clock, seed, scenario_book(fixture))
        # Starts waiting for a worker (startqueue.py); the fixture's start_delay, if any.
        given = fixture.get("start_delay")
        delay = DEFAULT_DELAY if given is None else read_delay(given)
        self.starts = StartQueue(seed, self.settings.start_delay or delay)
        self._trace_counter = 0
        self.requests = 0
        # Nobody can read the journal with the control API off, so it is not kept then.
        size = self.settings.journal_size if self.settings.control else 0
        self.journal = Journal(size, self.settings.journal_bytes)
        self.faults = FaultProfile(seed)
        # Scenario-book changes made through the control API, each with its clock reading.
        self.scenario_changes: list[dict[str, Any]] = []
        # callback_url records and their deliveries (outbound/).
        self.outbox = Outbox()
        self.pump = Pump(self.outbox)

    @property
    def local_lock(self) -> AbstractContextManager[Any]:
        """Guards what is this process's own (the journal): no store turn with a store."""
        lock = self.lock
        return lock if self.store is None else lock.local  # type: ignore[union-attr]

    @property
    def engine(self) -> Engine:
        """The engine, once every queued start due by now has run (each at its due reading)."""
        if self.starts.heap:
            self.starts.catch_up(self._engine, self.clock.now())
        return self._engine

    def reset(self, fixture_name: str | None = None, seed: int | None = None) -> None:
        self.load(fixture_name or self.fixture_name, self.seed if seed is None else seed)

    def next_request(self) -> int:
        """The number of this bk-sops request since the last reset (1-based)."""
        self.requests += 1
        return self.requests

    @property
    def trace_counter(self) -> int:
        return self._trace_counter

    @trace_counter.setter
    def trace_counter(self, value: int) -> None:
        self._trace_counter = value

    def next_trace_id(self) -> str:
        """A trace id derived from the seed and the request count: runs repeat byte for byte."""
        self._trace_counter += 1
        digest = hashlib.sha256(f"trace:{self.seed}:{self._trace_counter}".encode())
        return digest.hexdigest()[:32]
