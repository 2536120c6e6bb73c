"""Callback records and their deliveries: bk-sops's TaskCallBackRecord and task_callback runs.

A task created with `callback_url` gets a record. Each task end the engine reports becomes one
delivery per callback bk-sops makes for it (gcloud/taskflow3/signals/handlers.py, engine v2):
a node failure one (_send_node_fail_message), the pipeline's finish one (pipeline_end ->
post_pipeline_finish -> pipeline_finish_handler), a revoke two (the post_set_state handler
calls _finish_taskflow_and_send_signal itself and through pipeline_revoke ->
post_pipeline_revoke -> pipeline_revoke_handler). Each delivery is due at its end's clock
reading; a failed attempt is tried again one second later on the mock's clock, up to
REQUEST_RETRY_NUMBER more times (gcloud/taskflow3/celery/tasks.py task_callback); the last
attempt sets the record's status and callback_time.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from simulator import Engine, TaskEnd

from .bodies import callback_fields, encode
from .sender import Outcome

REQUEST_RETRY_NUMBER = 3  # env.py BKAPP_REQUEST_RETRY_NUMBER's default (settings)
RETRY_COUNTDOWN = timedelta(seconds=1)  # task_callback.apply_async(countdown=1)
# How many callbacks bk-sops makes for each kind of end (see the module's docstring).
CALLBACKS = {"failed": 1, "finished": 1, "revoked": 2}

Outputs = Callable[[int], Sequence[Mapping[str, Any]]]


@dataclass(slots=True)
class Record:
    """TaskCallBackRecord: where to call, which body, and how the last callback went."""

    task_id: int
    url: str
    version: Any  # callback_version as the client gave it; None when it gave none
    created: datetime
    status: str = "ready"  # CallbackStatus: ready, success, fail
    callback_time: datetime | None = None

    def to_dict(self, tz: tzinfo) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "url": self.url,
            "callback_version": self.version,
            "create_time": self.created.astimezone(tz).isoformat(),
            "status": self.status,
            "callback_time": _iso(self.callback_time, tz),
        }


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int  # 0 first, then the retries
    at: datetime  # the clock reading it was due at
    outcome: Outcome


@dataclass(slots=True)
class Delivery:
    """One task_callback run: a body for one callback, and its attempts."""

    id: int
    record: Record
    end: TaskEnd
    fields: dict[str, Any]
    body: bytes
    content_type: str
    due: datetime | None
    attempts: list[Attempt] = field(default_factory=list)
    outcome: str | None = None  # success, fail; None while attempts remain

    def to_dict(self, tz: tzinfo) -> dict[str, Any]:
        return {
            "id": self.id,
            "task_id": self.record.task_id,
            "url": self.record.url,
            "event": self.end.how,
            "node_id": self.end.node_id,
            "event_time": self.end.at.astimezone(tz).isoformat(),
            "content_type": self.content_type,
            "body": self.body.decode("utf-8"),
            "due": _iso(self.due, tz),
            "outcome": self.outcome,
            "attempts": [
                {
                    "attempt": a.number,
                    "at": a.at.astimezone(tz).isoformat(),
                    "status": a.outcome.status,
                    "ok": a.outcome.ok,
                    "error": a.outcome.error,
                }
                for a in self.attempts
            ],
        }


def _iso(moment: datetime | None, tz: tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(tz).isoformat()


class Outbox:
    """Records, deliveries and the queue of attempts, ordered by due time. Callers hold the
    app's lock; the HTTP calls themselves happen outside it (pump.py)."""

    def __init__(self) -> None:
        self.records: dict[int, Record] = {}
        self.deliveries: list[Delivery] = []
        self._queue: list[tuple[datetime, int, Delivery]] = []
        self._open: set[int] = set()  # tasks with a record that may still end
        # Moves whenever `export` would give something else (a store compares it).
        self.version = 0
        # Whether a task end or an attempt may be waiting: read on every request, so a plain
        # attribute, set again wherever `_open` or `_queue` change.
        self.watching = False

    def _watch(self) -> None:
        self.watching = bool(self._open or self._queue)

    def register(self, engine: Engine, task_id: int, url: str, version: Any, now: datetime) -> None:
        self.records[task_id] = Record(task_id, url, version or None, now)
        self.version += 1
        self._open.add(task_id)
        self.watching = engine.task_ends.keep = True

    def collect(self, engine: Engine, outputs: Outputs) -> None:
        """Queue the callbacks of the task ends the engine reported since the last call."""
        if not self._open:
            return
        for end in engine.take_task_ends():
            record = self.records.get(end.task_id)
            if record is None:
                continue
            if end.how != "failed":
                self._open.discard(end.task_id)
            # _check_and_callback reads the outputs when the signal fires, for v2 only.
            shown = outputs(end.task_id) if record.version == "v2" else None
            fields = callback_fields(end.task_id, record.version, end.how == "finished", shown)
            body, content_type = encode(fields, record.version)
            for _ in range(CALLBACKS[end.how]):
                delivery = Delivery(
                    len(self.deliveries) + 1, record, end, fields, body, content_type, end.at
                )
                self.deliveries.append(delivery)
                heapq.heappush(self._queue, (end.at, delivery.id, delivery))
        # No record left to watch: the engine need not keep anyone's ends.
        engine.task_ends.keep = bool(self._open)
        self._watch()

    def next_due(self, now: datetime) -> Delivery | None:
        if self._queue and self._queue[0][0] <= now:
            return self._queue[0][2]
        return None

    def settle(self, delivery: Delivery, outcome: Outcome) -> Attempt:
        """Note how the due attempt went; queue the retry or close the delivery."""
        due, _, first = heapq.heappop(self._queue)
        assert first is delivery and delivery.due == due
        attempt = Attempt(len(delivery.attempts), due, outcome)
        delivery.attempts.append(attempt)
        record = delivery.record
        if not outcome.ok and attempt.number < REQUEST_RETRY_NUMBER:
            delivery.due = due + RETRY_COUNTDOWN
            heapq.heappush(self._queue, (delivery.due, delivery.id, delivery))
            return attempt
        self._watch()
        delivery.due = None
        delivery.outcome = record.status = "success" if outcome.ok else "fail"
        record.callback_time = due
        self.version += 1
        return attempt

    def pass_on(self, delivery: Delivery) -> None:
        """Another worker on the shared store makes this attempt: drop it here, unrecorded.

        What it records comes back with the store's webhooks (Outbox.adopt).
        """
        _, _, first = heapq.heappop(self._queue)
        assert first is delivery
        delivery.due = None
        self._watch()

    def of_task(self, task_id: int | None) -> tuple[list[Record], list[Delivery]]:
        if task_id is None:
            return list(self.records.values()), list(self.deliveries)
        record = self.records.get(task_id)
        found = [d for d in self.deliveries if d.record.task_id == task_id]
        return ([] if record is None else [record]), found

    # snapshots -----------------------------------------------------------------------------
    def export(self, tz: tzinfo) -> list[dict[str, Any]]:
        """The records (deliveries under way are not kept: a restart loses them)."""
        return [r.to_dict(tz) for r in self.records.values()]

    def adopt(self, engine: Engine, records: Iterable[Record]) -> None:
        """Records from a snapshot (see `read_records`); tasks not ended are watched again."""
        self.version += 1
        for record in records:
            self.records[record.task_id] = record
            task = engine.find_task(record.task_id)
            if task is not None and not (task.is_finished or task.is_revoked):
                self._open.add(record.task_id)
        engine.task_ends.keep = bool(self._open)
        self._watch()


def read_records(items: Any) -> list[Record]:
    """Records as `Outbox.export` wrote them; KeyError, TypeError or ValueError when not."""
    records = []
    for item in items:
        created = datetime.fromisoformat(item["create_time"])
        record = Record(int(item["task_id"]), str(item["url"]), item["callback_version"], created)
        record.status = str(item["status"])
        moment = item["callback_time"]
        record.callback_time = None if moment is None else datetime.fromisoformat(moment)
        records.append(record)
    return records
