"""Test components for the differential runs: each does what its `behaviour` input says.

One component per schedule kind, because bamboo-pipeline reads the kind from the class
(`__need_schedule__`, `interval`): diff_instant (succeed or fail in execute), diff_poll (polled
every POLL_INTERVAL seconds, done at the n-th poll), diff_callback (waits for a callback whose
data says ok or not). A behaviour may fail its first `fail_times` attempts; the attempt is read
from the node's state row (its retry count), so it holds across worker processes.
"""

from __future__ import annotations

from typing import Any

from pipeline.component_framework.component import Component
from pipeline.core.flow.activity import Service, StaticIntervalGenerator

POLL_INTERVAL = 2


def _behaviour(data: Any) -> dict[str, Any]:
    value = data.get_one_of_inputs("behaviour") or {}
    return dict(value)


def _attempt_fails(service: Service, data: Any) -> bool:
    """True when this attempt is one the behaviour makes fail (retries so far < fail_times)."""
    from pipeline.eri.models import State

    spec = _behaviour(data)
    if spec.get("kind") != "fail":
        return False
    fail_times = int(spec.get("fail_times", 0))
    if fail_times == 0:
        return True
    retry = State.objects.filter(node_id=service.id).values_list("retry", flat=True).first()
    return int(retry or 0) < fail_times


def _fail(data: Any) -> bool:
    data.set_outputs("ex_data", _behaviour(data).get("ex_data", "failed"))
    return False


class InstantService(Service):
    __need_schedule__ = False

    def execute(self, data: Any, parent_data: Any) -> bool:
        return _fail(data) if _attempt_fails(self, data) else True

    def outputs_format(self) -> list[Any]:
        return []


class PollService(Service):
    __need_schedule__ = True
    interval = StaticIntervalGenerator(POLL_INTERVAL)

    def execute(self, data: Any, parent_data: Any) -> bool:
        data.set_outputs("polled", 0)
        return True

    def schedule(self, data: Any, parent_data: Any, callback_data: Any = None) -> bool:
        polled = int(data.get_one_of_outputs("polled") or 0) + 1
        data.set_outputs("polled", polled)
        if polled >= int(_behaviour(data).get("polls", 1)):
            self.finish_schedule()
        return True

    def outputs_format(self) -> list[Any]:
        return []


class CallbackService(Service):
    __need_schedule__ = True

    def execute(self, data: Any, parent_data: Any) -> bool:
        return True

    def schedule(self, data: Any, parent_data: Any, callback_data: Any = None) -> bool:
        self.finish_schedule()
        if callback_data is not None and not callback_data.get("ok", True):
            return _fail(data)
        return True

    def outputs_format(self) -> list[Any]:
        return []


class InstantComponent(Component):
    name = "diff instant"
    code = "diff_instant"
    bound_service = InstantService


class PollComponent(Component):
    name = "diff poll"
    code = "diff_poll"
    bound_service = PollService


class CallbackComponent(Component):
    name = "diff callback"
    code = "diff_callback"
    bound_service = CallbackService
