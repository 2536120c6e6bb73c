"""bk-sops's queued start: start_task, operate_task start and create_and_start_task answer
success at once and put prepare_and_start_task on a celery queue; a worker starts the task
later (gcloud/taskflow3/celery/tasks.py), and its failures are silent (logged, nobody told).

Here the queue runs on the mock's clock. Each queued start waits a delay drawn from the start
delay of the scenario book (a range in seconds, the fixture's `start_delay`; the draw is a
hash of the seed, the task and how many starts the task had queued: runs repeat); then the
task starts at that reading, as if the worker had run then. A dead worker (the fault kind
`dead_worker`) loses the start: the task stays CREATED. Anything a worker's start would meet
(already started, an unclaimed function task) is dropped as bk-sops's worker drops it.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

import simulator.errors as sim
from simulator import Clock, Engine

# When neither the settings nor the fixture name one: what an idle worker gives. bk-sops puts
# the start on the broker with no countdown; pickup takes milliseconds to a few hundred, and
# task_action("start") prepares the pipeline before the engine marks it running.
DEFAULT_DELAY = (0.1, 1.0)
# What the worker's task_action("start") meets and bk-sops only logs.
WORKER_DROPS = (sim.TaskAlreadyStarted, sim.InvalidOperation, sim.TaskNotFound)


@dataclass(frozen=True, slots=True)
class QueuedStart:
    due: datetime
    seq: int
    task_id: int
    executor: str
    queued_at: datetime


class StartQueue:
    """Queued starts, by due time. Callers hold the app's lock."""

    def __init__(self, seed: int, delay: tuple[float, float] = DEFAULT_DELAY) -> None:
        self.seed = seed
        self.delay = delay
        # Waiting starts by due time; read on every engine access (MockState.engine).
        self.heap: list[tuple[datetime, int, QueuedStart]] = []
        self._count = 0  # starts ever queued (the order of equal due times)
        self._per_task: dict[int, int] = {}
        self.lost: list[QueuedStart] = []
        # Tasks whose count of queued starts moved since a store last looked (None: no store
        # asks, so none is kept). The counts grow with the tasks: a store writes them one by one.
        self.counted: set[int] | None = None
        # Each queued start as `piece` shows it, by seq: a store asks after every start, and
        # the queue a virtual clock never moves grows (formatting two times each is the cost).
        self._shown: dict[int, dict[str, Any]] = {}

    def wait(self, task_id: int) -> timedelta:
        """The delay of this task's next queued start: seeded, within the book's range."""
        low, high = self.delay
        if high <= 0:  # the default: no draw to make
            return timedelta(0)
        number = self._per_task.get(task_id, 0)
        digest = hashlib.sha256(f"start:{self.seed}:{task_id}:{number}".encode()).digest()
        fraction = int.from_bytes(digest[:8], "big") / 2**64
        return timedelta(seconds=low + (high - low) * fraction)

    def put(self, engine: Engine, task_id: int, executor: str, clock: Clock, *, lost: bool) -> None:
        """Queue a start (or, with no delay, start now). A lost one never runs."""
        if self.delay[1] <= 0 and not lost:  # no delay: the start runs now (hot under load)
            try:
                engine.start_task(task_id, executor)
            except WORKER_DROPS:
                return  # what bk-sops's worker meets, it only logs
            return
        wait = self.wait(task_id)
        self._per_task[task_id] = self._per_task.get(task_id, 0) + 1
        if self.counted is not None:
            self.counted.add(task_id)
        self._count += 1
        now = clock.now()
        item = QueuedStart(now + wait, self._count, task_id, executor, now)
        if lost:
            self.lost.append(item)
        else:
            heapq.heappush(self.heap, (item.due, item.seq, item))

    def catch_up(self, engine: Engine, now: datetime) -> None:
        """Run every start due by `now`, each at its own due reading, in order."""
        heap = self.heap
        while heap and heap[0][0] <= now:
            _run(engine, heapq.heappop(heap)[2])

    @property
    def fingerprint(self) -> tuple[Any, ...]:
        """Changes whenever `to_dict` would: a start queued (the count moves), one run (the
        heap shrinks), one lost, the delay set. A store compares it instead of the JSON."""
        return (self.delay, len(self.heap), self._count, len(self.lost))

    @property
    def counts(self) -> Mapping[int, int]:
        """Starts ever queued, per task id."""
        return self._per_task

    def piece(self, tz: tzinfo) -> dict[str, Any]:
        """`to_dict` without the per-task counts (a store keeps those apart) but with the
        count they add up to, so that a queue rebuilt from both needs no pass over them."""
        shown = self._shown
        if len(shown) > 2 * (len(self.heap) + len(self.lost)) + 64:  # forget the ones run
            shown.clear()

        def item(i: QueuedStart) -> dict[str, Any]:
            made = shown.get(i.seq)
            if made is None:
                made = shown[i.seq] = _item_dict(i, tz)
            return made

        return {
            "delay": {"min": self.delay[0], "max": self.delay[1]},
            "pending": [item(i) for i in self.pending()],
            "lost": [item(i) for i in self.lost],
            "count": self._count,
        }

    def give_up_counts(self) -> dict[int, int]:
        """The per-task counts, handed over to the queue that replaces this one."""
        counts, self._per_task = self._per_task, {}
        return counts

    @classmethod
    def from_piece(cls, seed: int, piece: Mapping[str, Any], counts: dict[int, int]) -> StartQueue:
        """The queue `piece` and `counts` describe; `counts` is taken, not copied."""
        queue = cls(seed)
        queue.restore({**piece, "queued": {}})
        queue._per_task = counts
        queue._count = max(queue._count, int(piece["count"]))
        return queue

    def next_due(self) -> datetime | None:
        return self.heap[0][0] if self.heap else None

    def pending(self) -> list[QueuedStart]:
        return [item for _, _, item in sorted(self.heap)]

    # the scenario book's start delay and snapshots ----------------------------------------
    def to_dict(self, tz: tzinfo) -> dict[str, Any]:
        return {
            "delay": {"min": self.delay[0], "max": self.delay[1]},
            "pending": [_item_dict(i, tz) for i in self.pending()],
            "lost": [_item_dict(i, tz) for i in self.lost],
            "queued": dict(sorted((str(k), v) for k, v in self._per_task.items())),
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """What `to_dict` wrote; KeyError, TypeError or ValueError when it is not that."""
        self.delay = read_delay(data["delay"])
        for key in ("pending", "lost"):
            for raw in data[key]:
                item = QueuedStart(
                    datetime.fromisoformat(raw["due"]),
                    int(raw["seq"]),
                    int(raw["task_id"]),
                    str(raw["executor"]),
                    datetime.fromisoformat(raw["queued_at"]),
                )
                if key == "lost":
                    self.lost.append(item)
                else:
                    heapq.heappush(self.heap, (item.due, item.seq, item))
                self._count = max(self._count, item.seq)
        self._per_task = {int(k): int(v) for k, v in data["queued"].items()}
        # Every queued start counted once per task: the next one's seq follows them all, also
        # those that already ran (a restored queue numbers its starts as the live one did).
        self._count = max(self._count, sum(self._per_task.values()))


def _run(engine: Engine, item: QueuedStart) -> None:
    with contextlib.suppress(*WORKER_DROPS):
        engine.start_task(item.task_id, item.executor, at=item.due)


def _item_dict(item: QueuedStart, tz: tzinfo) -> dict[str, Any]:
    return {
        "task_id": item.task_id,
        "executor": item.executor,
        "queued_at": item.queued_at.astimezone(tz).isoformat(),
        "due": item.due.astimezone(tz).isoformat(),
        "seq": item.seq,
    }


def read_delay(value: Any) -> tuple[float, float]:
    """{"min": s, "max": s}, 0 <= min <= max (seconds)."""
    if not isinstance(value, Mapping) or set(value) != {"min", "max"}:
        raise ValueError('the start delay is {"min": seconds, "max": seconds}')
    low, high = value["min"], value["max"]
    for number in (low, high):
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError("the start delay's min and max are numbers of seconds")
    if not 0 <= low <= high <= 3600:
        raise ValueError("the start delay needs 0 <= min <= max <= 3600")
    return float(low), float(high)
