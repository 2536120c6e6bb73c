"""Hand-written task scenarios: every answer judged like a generated one, plus the task watch."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .checks import envelope_failures, ordered, schema_failures
from .client import ContractClient, Exchange
from .exchange import ContractFailure
from .lifecycle import TaskWatch
from .report import Recorder
from .wire import read_wire

# Seconds between two status reads of a real deployment (the mock's clock is moved instead).
POLL_INTERVAL = 2.0
# Virtual seconds per step while waiting on a virtual clock, and at most this many steps.
VIRTUAL_STEP = 0.1
VIRTUAL_STEPS = 600


@dataclass
class Driver:
    """Calls operations for one scenario and fails on the first broken promise."""

    client: ContractClient
    recorder: Recorder
    test: str = "lifecycle"
    watch: TaskWatch = field(default_factory=TaskWatch)

    def call(
        self, op: str, ids: Mapping[str, Any] | None = None, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        exchange = self.client.call(op, ids, params)
        self.recorder.case(self.test, op, exchange.fingerprint())
        failures = schema_failures(exchange) + envelope_failures(exchange)
        body = exchange.body()
        if exchange.status == 200 and exchange.op is not None:
            wire = read_wire(exchange.op, self.client.target.family, exchange.request, {})
            sent = {**self.client.target.pins(), **(ids or {}), **(wire.params or {})}
            failures += self.watch.observe(op, sent, sent, body)
        if failures:
            self.fail(exchange, ordered(failures)[0])
        return body if isinstance(body, dict) else {}

    def fail(self, exchange: Exchange, failure: Any) -> None:
        op = exchange.op.name if exchange.op else "?"
        curl = exchange.curl()
        self.recorder.fail(self.test, op, failure.check, failure.message, curl)
        raise ContractFailure(failure, curl)

    def create(self, name: str, template_id: int | None = None) -> int:
        template = template_id if template_id is not None else self.client.target.template_id
        body = self.call("create_task", {"template_id": template}, {"name": name})
        assert body.get("result") is True, f"create_task was refused: {body}"
        return int(body["data"]["task_id"])

    def status(self, task_id: int) -> dict[str, Any]:
        body = self.call("get_task_status", {"task_id": task_id})
        assert body.get("result") is True, f"get_task_status was refused: {body}"
        data: dict[str, Any] = body["data"]
        return data

    def wait_for(
        self, task_id: int, done: Callable[[dict[str, Any]], bool], *, until_idle: bool = True
    ) -> dict[str, Any]:
        """Run a virtual clock until idle (or in short steps until `done`), or poll the target.

        A target whose time runs by itself is polled until `done` or the target's timeout. The
        short steps are for a queued start: the task leaves CREATED when the worker's delay has
        passed, and a small step keeps the task from running far past that.
        """
        if self.client.virtual_clock():
            if until_idle:
                self.client.run_until_idle()
                return self.status(task_id)
            for _ in range(VIRTUAL_STEPS):
                data = self.status(task_id)
                if done(data):
                    return data
                self.client.advance(VIRTUAL_STEP)
            return self.status(task_id)
        for _ in range(max(1, math.ceil(self.client.target.poll_timeout / POLL_INTERVAL))):
            data = self.status(task_id)
            if done(data):
                return data
            # A real deployment runs on its own time; there is no clock to move.
            time.sleep(POLL_INTERVAL)
        return self.status(task_id)
