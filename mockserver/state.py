"""The mutable heart of one app: fixture catalog, clock and engine, behind one lock."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import fixtures
from simulator import Clock, Engine, ScenarioBook, VirtualClock, WallClock

from .catalog import Catalog
from .settings import Settings


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
        self.lock = threading.RLock()
        self.tz: tzinfo = ZoneInfo(settings.time_zone)
        self.load(settings.fixture, settings.seed)

    def load(self, fixture_name: str, seed: int) -> None:
        fixture = fixtures.load(fixture_name)
        self.fixture_name = fixture_name
        self.seed = seed
        self.catalog = Catalog(fixture)
        self.clock = make_clock(self.settings)
        self.engine = Engine(self.clock, seed, scenario_book(fixture))
        self._trace_counter = 0

    def reset(self, fixture_name: str | None = None, seed: int | None = None) -> None:
        self.load(fixture_name or self.fixture_name, self.seed if seed is None else seed)

    def next_trace_id(self) -> str:
        """A trace id derived from the seed and the request count: runs repeat byte for byte."""
        self._trace_counter += 1
        digest = hashlib.sha256(f"trace:{self.seed}:{self._trace_counter}".encode())
        return digest.hexdigest()[:32]
