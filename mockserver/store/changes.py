"""What a store writes: the app's state cut into pieces, and what changed since the last commit.

The state a store keeps is the snapshot of snapshot.py, cut so that one request writes little:
- small JSON *pieces* (the fixture and seed, clock, counters, the engine's head, scenario
  changes, fault rules, webhooks, queued starts), each written only when its bytes change;
- per task, a *head* (its record without the operation log, the template by hash) and the
  operation log, one entry per operation, appended;
- each template once, by the hash of its JSON.

`assemble` puts the parts back into a snapshot for snapshot.restore_state, so a store is
read through the same checks as a state file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from mockserver.snapshot import FORMAT
from mockserver.startqueue import StartQueue
from simulator import Engine, WallClock
from simulator.models import TemplateSpec
from simulator.records import op_record, task_head

if TYPE_CHECKING:
    from mockserver.state import MockState

ENGINE_FORMAT = 1


@dataclass
class Change:
    """Everything one commit writes; `reset` drops every task and template first."""

    reset: bool = False
    pieces: dict[str, bytes] = field(default_factory=dict)
    templates: dict[str, bytes] = field(default_factory=dict)
    heads: dict[int, bytes] = field(default_factory=dict)
    ops: dict[int, tuple[int, list[bytes]]] = field(default_factory=dict)  # id: (first, ops)
    # Starts ever queued per task (StartQueue.counts), the moved ones; `counts_reset` drops
    # every stored count first (a new queue).
    start_counts: dict[int, int] = field(default_factory=dict)
    counts_reset: bool = False

    def __bool__(self) -> bool:
        return (
            bool(self.reset or self.pieces or self.heads or self.ops or self.start_counts)
            or self.counts_reset
        )

    def summary(self) -> dict[str, Any]:
        """The names of what changed: what another worker reads back to catch up."""
        return {
            "reset": self.reset,
            "pieces": sorted(self.pieces),
            "tasks": sorted({*self.heads, *self.ops}),
            "start_counts": sorted(self.start_counts),
            "counts_reset": self.counts_reset,
        }


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)  # insertion order kept: a restored dict lists as the live one


def clock_piece(mock: MockState) -> dict[str, Any]:
    clock = mock.clock
    if isinstance(clock, WallClock):
        return {
            "mode": "wall",
            "speed": clock.speed,
            "start": clock.start.isoformat(),
            "origin": clock.origin,
        }
    return {"mode": "virtual", "now": clock.now().isoformat()}


class Tracker:
    """What this process last wrote to (or read from) its store, to find what changed."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.catalog: object = None
        self.pieces: dict[str, bytes] = {}
        self.ops: dict[int, int] = {}  # task id: operations written
        self.constants: dict[int, int] = {}  # task id: id() of the constants dict written
        self.templates: dict[int, tuple[TemplateSpec, str]] = {}  # id(): (template, hash)
        self._made: dict[str, tuple[object, Any, bytes]] = {}
        self._starts: StartQueue | None = None

    def change(self, mock: MockState) -> Change:
        """What differs from the last commit; the tracker then holds the new state."""
        engine = mock._engine
        change = Change()
        if engine is not self.engine or mock.catalog is not self.catalog:
            change.reset = True
            self.engine, self.catalog = engine, mock.catalog
            self.pieces, self.ops, self.constants, self.templates = {}, {}, {}, {}
            ids: list[int] = sorted(engine._tasks)
            engine.take_changed()
        else:
            ids = engine.take_changed()
        for name, value in self._pieces(mock).items():
            if self.pieces.get(name) != value:
                change.pieces[name] = self.pieces[name] = value
        for task_id in ids:
            self._task(engine, task_id, change)
        starts = mock.starts
        if starts is not self._starts:
            change.counts_reset = True
            change.start_counts = dict(starts.counts)
            self._follow(starts)
        elif starts.counted:
            change.start_counts = {t: starts.counts[t] for t in sorted(starts.counted)}
            starts.counted.clear()
        return change

    def _follow(self, starts: StartQueue) -> None:
        """From now on, the counts of this queue are told apart as they move."""
        self._starts = starts
        starts.counted = set()

    def adopt(self, mock: MockState) -> None:
        """The app now holds what the store holds (just loaded or caught up): nothing to write."""
        self.engine, self.catalog = mock._engine, mock.catalog
        self.pieces = self._pieces(mock)
        self.ops, self.constants = {}, {}
        for task_id, task in mock._engine._tasks.items():
            self.ops[task_id] = len(task.ops)
            self.constants[task_id] = id(task.constants)
            self._template_hash(task.template)
        mock._engine.take_changed()
        self._follow(mock.starts)

    def caught_up(self, mock: MockState, task_ids: list[int]) -> None:
        """Other workers' changes were applied: they are not this worker's to write again."""
        engine = mock._engine
        self.pieces = self._pieces(mock)
        for task_id in task_ids:
            task = engine._tasks.get(task_id)
            if task is not None:
                self.ops[task_id] = len(task.ops)
                self.constants[task_id] = id(task.constants)
                self._template_hash(task.template)
        engine.take_changed()
        self._follow(mock.starts)

    def _pieces(self, mock: MockState) -> dict[str, bytes]:
        engine = mock._engine
        out = {
            "base": dumps(
                {"fixture": mock.fixture_name, "seed": mock.seed, "mode": mock.settings.clock}
            ),
            "clock": dumps(clock_piece(mock)),
            "counters": dumps({"requests": mock.requests, "trace": mock.trace_counter}),
            "engine": dumps(
                {"next_task_id": engine._next_id, "periodic": engine.periodic.to_dict()}
            ),
            "scenario_book": self._kept(  # ~80 µs to make: the fixture's nodes are in it
                "scenario_book",
                (engine.scenarios, engine.scenarios.version),
                engine.scenarios.to_dict,
            ),
            "scenario_changes": dumps(mock.scenario_changes),
            "faults": dumps({"made": mock.faults.made, "rules": mock.faults.to_list()}),
            # Made again only when their fingerprints move: the webhook records grow with the
            # tasks called back (the starts' per-task counts are written apart, see change()).
            "webhooks": self._kept(
                "webhooks", (mock.outbox, mock.outbox.version), lambda: mock.outbox.export(mock.tz)
            ),
            "starts": self._kept(
                "starts", (mock.starts, mock.starts.fingerprint), lambda: mock.starts.piece(mock.tz)
            ),
        }
        # The fixture's data is large and never changes in place: written when a new catalog
        # (a reset or a restore) comes in, else the last bytes stand.
        if mock.catalog is self.catalog and "fixture" in self.pieces:
            out["fixture"] = self.pieces["fixture"]
        else:
            out["fixture"] = dumps(mock.catalog.fixture)
        return out

    def _kept(self, name: str, key: tuple[Any, Any], make: Callable[[], Any]) -> bytes:
        """A piece's JSON, made again only when `key` (its owner and what moves with every
        change of it) is not the one it was made for."""
        kept = self._made.get(name)
        if kept is not None and kept[0] is key[0] and kept[1] == key[1]:
            return kept[2]
        data = dumps(make())
        self._made[name] = (key[0], key[1], data)
        return data

    def _template_hash(self, template: TemplateSpec) -> tuple[str, bytes | None]:
        known = self.templates.get(id(template))
        if known is not None and known[0] is template:
            return known[1], None
        data = dumps(template.to_dict())
        digest = hashlib.sha256(data).hexdigest()[:32]
        self.templates[id(template)] = (template, digest)
        return digest, data

    def _task(self, engine: Engine, task_id: int, change: Change) -> None:
        task = engine._tasks.get(task_id)
        if task is None:
            return
        written = self.ops.get(task_id)
        if written is None or self.constants.get(task_id) != id(task.constants):
            record = task_head(engine, task)
            digest, data = self._template_hash(task.template)
            if data is not None:
                change.templates[digest] = data
            record["template"] = digest
            change.heads[task_id] = dumps(record)
            self.constants[task_id] = id(task.constants)
        first = written or 0
        if len(task.ops) > first:
            change.ops[task_id] = (first, [dumps(op_record(op)) for op in task.ops[first:]])
            self.ops[task_id] = len(task.ops)
        elif written is None:
            self.ops[task_id] = 0


@dataclass
class Stored:
    """A store's whole content, as read back."""

    pieces: dict[str, bytes]
    templates: dict[str, bytes]
    heads: dict[int, bytes]
    ops: dict[int, list[bytes]]
    start_counts: dict[int, int]


def assemble(stored: Stored) -> dict[str, Any]:
    """The snapshot (snapshot.py's format) the stored parts make up."""
    piece = {name: orjson.loads(data) for name, data in stored.pieces.items()}
    base, engine_head = piece["base"], piece["engine"]
    order = {digest: i for i, digest in enumerate(sorted(stored.templates))}
    tasks = []
    for task_id in sorted(stored.heads):
        record = orjson.loads(stored.heads[task_id])
        record["template"] = order[record["template"]]
        record["ops"] = [orjson.loads(op) for op in stored.ops.get(task_id, [])]
        tasks.append(record)
    clock = piece["clock"]
    return {
        "format": FORMAT,
        "fixture": {"name": base["fixture"], "data": piece["fixture"]},
        "seed": base["seed"],
        "clock": {"mode": clock["mode"], "now": clock.get("now") or clock["start"]},
        "counters": piece["counters"],
        "engine": {
            "format": ENGINE_FORMAT,
            "seed": base["seed"],
            "next_task_id": engine_head["next_task_id"],
            "scenario_book": piece["scenario_book"],
            "templates": [orjson.loads(stored.templates[d]) for d in sorted(stored.templates)],
            "periodic": engine_head["periodic"],
            "tasks": tasks,
        },
        "scenario_changes": piece["scenario_changes"],
        "faults": piece["faults"],
        "webhooks": piece["webhooks"],
        "starts": {
            **{k: v for k, v in piece["starts"].items() if k != "count"},
            "queued": {str(t): n for t, n in sorted(stored.start_counts.items())},
        },
    }
