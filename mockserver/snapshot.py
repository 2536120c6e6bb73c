"""The whole state of one app as JSON, restoring it, and the state file kept across restarts.

A snapshot holds the fixture, the seed, the clock reading, the request and trace counters, the
engine's records (DESIGN.md section 4: every task rebuilds from its template, parameters,
scenario snapshot and operation log), the scenario-book change log and the fault rules with
their counters. The journal is left out: it records traffic, it does not shape answers.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import orjson
from starlette.applications import Starlette

import fixtures
from schemas.control_store import check
from simulator import Clock, Engine, SimulatorError, VirtualClock, WallClock
from simulator.records import FrozenState

from .faults import FaultProfile, FaultRuleError, rule_from_dict
from .outbound.outbox import read_records
from .startqueue import StartQueue
from .state import MockState

FORMAT: Final = "sops-mock-state/1"
# Records serialised per piece of a streamed snapshot: small pieces, few calls.
TASKS_PER_CHUNK: Final = 500


class SnapshotError(ValueError):
    """A snapshot that cannot be restored; the app keeps its state."""


@dataclass(frozen=True)
class StateCopy:
    """The state at one moment: the engine frozen, the rest (small) already as JSON values."""

    head: dict[str, Any]  # the fields before "engine"
    engine: FrozenState
    tail: dict[str, Any]  # the fields after it

    def to_dict(self) -> dict[str, Any]:
        return {**self.head, "engine": self.engine.to_dict(), **self.tail}

    def chunks(self, tasks_per_chunk: int = TASKS_PER_CHUNK) -> Iterator[bytes]:
        """The JSON of `to_dict()`, byte for byte, a few hundred task records at a time."""
        yield orjson.dumps(self.head)[:-1] + b',"engine":'
        yield orjson.dumps(self.engine.head())[:-1] + b',"tasks":['
        total = len(self.engine.tasks)
        for start in range(0, total, tasks_per_chunk):
            part = orjson.dumps(self.engine.records(start, start + tasks_per_chunk))
            yield (b"," if start else b"") + part[1:-1]
        yield b"]}," + orjson.dumps(self.tail)[1:]


def copy_state(mock: MockState) -> StateCopy:
    """Callers hold `mock.lock`, only for this: O(tasks) small steps, no record built."""
    now = mock.engine.sync()
    engine = mock.engine.freeze_state()
    head = {
        "format": FORMAT,
        # The fixture's data is never changed in place: a reset installs a new catalog.
        "fixture": {"name": mock.fixture_name, "data": mock.catalog.fixture},
        "seed": mock.seed,
        "clock": {"mode": mock.settings.clock, "now": now.astimezone(mock.tz).isoformat()},
        "counters": {"requests": mock.requests, "trace": mock.trace_counter},
    }
    tail = {
        "scenario_changes": list(mock.scenario_changes),
        "faults": {"made": mock.faults.made, "rules": mock.faults.to_list()},
        "webhooks": mock.outbox.export(mock.tz),
        "starts": mock.starts.to_dict(mock.tz),
    }
    return StateCopy(head, engine, tail)


def export_state(mock: MockState) -> dict[str, Any]:
    """Callers hold `mock.lock`."""
    return copy_state(mock).to_dict()


def _get(state: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = state.get(key)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise SnapshotError(f"{key} is missing or is not a {getattr(kind, '__name__', kind)}")
    return value


def restore_state(mock: MockState, state: Any) -> None:
    """Replace the app's state by the snapshot's; nothing changes when the snapshot is bad.

    Callers hold `mock.lock`. The clock keeps the app's mode and starts at the snapshot's time.
    """
    if not isinstance(state, Mapping):
        raise SnapshotError("a snapshot is a JSON object")
    if state.get("format") != FORMAT:
        raise SnapshotError(f"format must be {FORMAT!r}, got {state.get('format')!r}")
    # The whole document is checked before anything is built, and nothing is installed
    # until everything is built: a refused snapshot changes nothing.
    refusal = check("state/state", state)
    if refusal is not None:
        raise SnapshotError(refusal.message)
    source = _get(state, "fixture", Mapping)
    name = _get(source, "name", str)
    try:
        fixture = fixtures.validate(dict(_get(source, "data", Mapping)), source=name)
    except fixtures.FixtureError as exc:
        raise SnapshotError(f"fixture: {exc}") from None
    seed = _get(state, "seed", int)
    try:
        now = datetime.fromisoformat(_get(_get(state, "clock", Mapping), "now", str))
    except ValueError:
        raise SnapshotError("clock.now is not an ISO 8601 time") from None
    if now.tzinfo is None:
        raise SnapshotError("clock.now needs a UTC offset")
    counters = _get(state, "counters", Mapping)
    clock = _clock(mock, now)
    try:
        engine = Engine(clock, seed)
        engine.import_state(_get(state, "engine", Mapping))
    except (
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        ArithmeticError,
        SimulatorError,
    ) as exc:
        raise SnapshotError(f"engine: {type(exc).__name__}: {exc}") from None
    faults = _faults(_get(state, "faults", Mapping), seed, now)
    changes = _get(state, "scenario_changes", list)
    requests, trace = _get(counters, "requests", int), _get(counters, "trace", int)
    try:
        webhooks = read_records(state.get("webhooks") or [])
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"webhooks: {type(exc).__name__}: {exc}") from None
    starts = StartQueue(seed)
    try:
        if state.get("starts") is not None:
            starts.restore(state["starts"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SnapshotError(f"starts: {type(exc).__name__}: {exc}") from None
    # Everything is read and checked above; from here on nothing can fail half-way.
    mock.install(name, fixture, seed, clock, engine)
    mock.requests = requests
    mock.trace_counter = trace
    mock.faults = faults
    mock.scenario_changes = list(changes)
    mock.outbox.adopt(engine, webhooks)
    if state.get("starts") is not None:
        mock.starts = starts


def _clock(mock: MockState, now: datetime) -> Clock:
    if mock.settings.clock == "wall":
        return WallClock(speed=mock.settings.speed, start=now)
    return VirtualClock(now)


def _faults(data: Mapping[str, Any], seed: int, now: datetime) -> FaultProfile:
    rules = []
    for item in _get(data, "rules", list):
        try:
            rules.append(rule_from_dict(item, "", now))
        except FaultRuleError as exc:
            raise SnapshotError(f"faults: {exc}") from None
    return FaultProfile(seed, rules, made=_get(data, "made", int))


def save_file(mock: MockState, path: str | os.PathLike[str]) -> Path:
    """Write the snapshot atomically: a temporary file in the same folder, then a rename."""
    target = Path(path)
    with mock.lock:
        copy = copy_state(mock)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as out:
        for chunk in copy.chunks():
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, target)
    return target


def load_file(mock: MockState, path: str | os.PathLike[str]) -> bool:
    """Restore from the file when it exists; False when there is none yet."""
    source = Path(path)
    if not source.exists():
        return False
    try:
        state = orjson.loads(source.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise SnapshotError(f"{source}: not JSON ({exc})") from None
    with mock.lock:
        restore_state(mock, state)
    return True


@asynccontextmanager
async def keep_state_file(app: Starlette) -> AsyncIterator[None]:
    """Lifespan: on a clean shutdown, write the state file when the app has one."""
    yield
    mock: MockState = app.state.mock
    if mock.settings.state_file:
        save_file(mock, mock.settings.state_file)
