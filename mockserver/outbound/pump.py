"""Making the due callbacks: in a worker thread, one at a time, in due order.

The clock decides when a callback is due; something must then look. Three things do:
- a bk-sops request, after its answer is sent (a background task), when a callback fell due;
- a move of the virtual clock, which answers only once every callback due by then was made
  (so a test that advances the clock finds its receiver called);
- with the wall clock, a ticker in the app's lifespan, since time moves by itself there.
The event loop never waits for a receiver: the calls run in Starlette's thread pool, and the
app's lock is held only to read and note, never across a call.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from mockserver.journal import Entry, summarize
from simulator.taskdata import task_outputs

from . import sender
from .outbox import Attempt, Delivery, Outbox

if TYPE_CHECKING:
    from mockserver.state import MockState

# How often the wall-clock ticker looks for due callbacks (seconds of real time).
TICK = 0.2


class Pump:
    """One outbox's worker: at most one thread makes calls; others leave it a note."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self._running = threading.Lock()
        self._again = False

    def run_nowait(self, mock: MockState) -> None:
        """Make what is due, unless another thread is at it (it then looks once more)."""
        self._again = True
        while self._running.acquire(blocking=False):
            try:
                while self._again:
                    self._again = False
                    self._work(mock)
            finally:
                self._running.release()
            if not self._again:
                return

    def run(self, mock: MockState) -> None:
        """Make everything due now, waiting for a running worker first."""
        with self._running:
            self._work(mock)

    def _work(self, mock: MockState) -> None:
        outbox = self.outbox
        while True:
            with mock.lock:
                if mock.outbox is not outbox:  # a reset or restore replaced it
                    return
                outbox.collect(mock.engine, lambda task_id: outputs_table(mock, task_id))
                delivery = outbox.next_due(mock.clock.now())
                settings = mock.settings
                # Workers sharing a store all see the same task ends: one of them calls.
                if delivery is not None and not _claimed(mock, delivery):
                    outbox.pass_on(delivery)
                    continue
            if delivery is None:
                return
            outcome = _call(delivery, settings.webhook_hosts, settings.webhook_timeout)
            with mock.lock:
                if mock.outbox is not outbox:
                    return
                attempt = outbox.settle(delivery, outcome)
                if mock.journal.enabled:
                    mock.journal.add(_entry(mock, delivery, attempt))


def _claimed(mock: MockState, delivery: Delivery) -> bool:
    if mock.store is None:
        return True
    task, attempt = delivery.record.task_id, len(delivery.attempts)
    return mock.store.claim(f"webhook:{task}:{delivery.id}:{attempt}")


def _call(delivery: Delivery, hosts: tuple[str, ...], timeout: float) -> sender.Outcome:
    url = delivery.record.url
    if not sender.allowed(url, hosts):
        text = f"host {sender.host_of(url)!r} is not in the mock's webhook hosts"
        return sender.Outcome(0, False, text)
    return sender.post(url, delivery.body, delivery.content_type, timeout)


def outputs_table(mock: MockState, task_id: int) -> Sequence[Mapping[str, Any]]:
    """get_task_detail's `outputs`: the pipeline's outputs with their constants' names."""
    values = task_outputs(mock.engine, task_id)
    if not values:
        return []
    constants = mock.engine.task(task_id).pipeline_tree.get("constants", {})
    return [
        {"key": key, "value": value, "name": constants.get(key, {}).get("name", "")}
        for key, value in values.items()
    ]


def _entry(mock: MockState, delivery: Delivery, attempt: Attempt) -> Entry:
    outcome = attempt.outcome
    return Entry(
        seq=mock.next_request(),
        at=attempt.at,
        method="POST",
        path=delivery.record.url,
        operation="task_callback",
        family="outbound",
        params=summarize(delivery.fields),
        app_code=None,
        username=None,
        status=outcome.status,
        result=outcome.ok,
        code=None,
        trace_id="",
        task_id=delivery.record.task_id,
        bk_biz_id=None,
    )


def after_request(mock: MockState, response: Response) -> None:
    """After a bk-sops request: when a callback fell due, make it once the answer is sent."""
    with mock.lock:
        outbox, pump = mock.outbox, mock.pump
        outbox.collect(mock.engine, lambda task_id: outputs_table(mock, task_id))
        due = outbox.next_due(mock.clock.now()) is not None
    if due and response.background is None:
        response.background = BackgroundTask(pump.run_nowait, mock)


async def drain(mock: MockState) -> None:
    """Every callback due by now, made before returning (the clock's control calls)."""
    if mock.outbox.watching:
        await run_in_threadpool(mock.pump.run, mock)


@asynccontextmanager
async def ticking(app: Starlette) -> AsyncIterator[None]:
    """Lifespan: with the wall clock, look for due callbacks every TICK seconds."""
    mock: MockState = app.state.mock
    if mock.settings.clock != "wall":
        yield
        return
    task = asyncio.create_task(_tick(mock))
    try:
        yield
    finally:
        task.cancel()


async def _tick(mock: MockState) -> None:
    while True:
        await asyncio.sleep(TICK)
        if mock.outbox.watching:
            await run_in_threadpool(mock.pump.run_nowait, mock)
