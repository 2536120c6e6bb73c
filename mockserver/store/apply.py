"""Reading a store back into an app: the whole state at start, or another worker's changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from mockserver.outbound.outbox import read_records
from mockserver.snapshot import SnapshotError, _faults, restore_state
from mockserver.startqueue import StartQueue
from simulator import ScenarioBook, VirtualClock, WallClock
from simulator.models import TemplateSpec
from simulator.periodic import PeriodicBook

from .changes import Stored, Tracker, assemble

if TYPE_CHECKING:
    from mockserver.state import MockState


class StoreMismatch(SnapshotError):
    """The store holds a mock this app cannot become (another clock mode)."""


def load(mock: MockState, stored: Stored, tracker: Tracker) -> None:
    """Become what the store holds; callers hold the app's own lock, not the store's."""
    base = orjson.loads(stored.pieces["base"])
    if base.get("mode") != mock.settings.clock:
        raise StoreMismatch(
            f"it holds a mock on the {base.get('mode')} clock; serve it with "
            f"--clock {base.get('mode')}, or give another store"
        )
    restore_state(mock, assemble(stored))
    install_clock(mock, orjson.loads(stored.pieces["clock"]))
    tracker.adopt(mock)


def install_clock(mock: MockState, piece: Mapping[str, Any]) -> None:
    if piece["mode"] == "wall":
        clock = mock.clock
        same = (
            isinstance(clock, WallClock)
            and clock.origin == piece["origin"]
            and clock.speed == piece["speed"]
            and clock.start.isoformat() == piece["start"]
        )
        if not same:
            start = datetime.fromisoformat(piece["start"])
            mock.clock = WallClock(float(piece["speed"]), start, float(piece["origin"]))
            mock._engine.clock = mock.clock
        return
    now = datetime.fromisoformat(piece["now"])
    if not isinstance(mock.clock, VirtualClock):
        mock.clock = mock._engine.clock = VirtualClock(now)
    elif now > mock.clock.now():
        mock.clock.set(now)


class Templates:
    """Templates read from a store, one object per hash (the engine's plan cache keys on it)."""

    def __init__(self) -> None:
        self._known: dict[str, TemplateSpec] = {}

    def get(self, digest: str, read: Any) -> TemplateSpec:
        template = self._known.get(digest)
        if template is None:
            template = TemplateSpec.from_dict(orjson.loads(read(digest)))
            self._known[digest] = template
        return template


def catch_up(
    mock: MockState,
    tracker: Tracker,
    pieces: Mapping[str, bytes],
    tasks: Mapping[int, tuple[bytes, list[bytes]]],
    start_counts: Mapping[int, int],
    template_bytes: Any,
    templates: Templates,
) -> None:
    """Apply what other workers committed: changed pieces, then changed tasks, in id order."""
    engine = mock._engine
    piece = {name: orjson.loads(data) for name, data in pieces.items()}
    if "clock" in piece:
        install_clock(mock, piece["clock"])
    if "counters" in piece:
        mock.requests = int(piece["counters"]["requests"])
        mock.trace_counter = int(piece["counters"]["trace"])
    if "scenario_book" in piece:
        engine.scenarios = ScenarioBook.from_dict(piece["scenario_book"])
    if "engine" in piece:
        engine.periodic = PeriodicBook.from_dict(piece["engine"]["periodic"])
        engine.periodic.share([task.template for task in engine._tasks.values()])
    if "scenario_changes" in piece:
        mock.scenario_changes = list(piece["scenario_changes"])
    if "faults" in piece:
        mock.faults = _faults(piece["faults"], mock.seed, mock.clock.now())
    if "starts" in piece or start_counts:
        data = piece.get("starts") or mock.starts.piece(mock.tz)
        counts = mock.starts.give_up_counts()  # not copied: they grow with the tasks
        counts.update(start_counts)
        mock.starts = StartQueue.from_piece(mock.seed, data, counts)
    for task_id in sorted(tasks):
        head, ops = tasks[task_id]
        record = orjson.loads(head)
        template = templates.get(record["template"], template_bytes)
        record["ops"] = [orjson.loads(op) for op in ops]
        engine.catch_up_record(record, template)
    if "engine" in piece:
        engine._next_id = max(engine._next_id, int(piece["engine"]["next_task_id"]))
    if "webhooks" in piece:
        mock.outbox.adopt(engine, read_records(piece["webhooks"]))
    tracker.caught_up(mock, sorted(tasks))
