"""Workers sharing one Redis all see a task end; its callback_url is called once, not once per
worker, and every worker lists the same delivery record."""

from __future__ import annotations

from contextlib import ExitStack

from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings
from tests.mockserver.api import Api
from tests.mockserver.receiver import receiving
from tests.mockserver.taskflow import SINGLE, create, idle, start, status


def test_a_callback_is_made_once_by_two_workers(redis_store):
    settings = Settings(seed=4, store=redis_store, caches=False, start_delay=(0.0, 0.0))
    with receiving() as receiver, ExitStack() as stack:
        one, other = (stack.enter_context(TestClient(create_app(settings))) for _ in "ab")
        task = create(Api(one), SINGLE, callback_url=receiver.url + "/done")
        start(Api(other), task)
        idle(other)  # the task finishes: `other` makes the call when its clock move answers
        assert status(Api(one), task)["state"] == "FINISHED"
        idle(one)  # `one` meets the same end and the same due call: it is not made again
        receiver.wait_for(1)
        assert len(receiver.received) == 1
        hooks = [c.get("/__mock__/webhooks").json()["records"] for c in (one, other)]
        assert hooks[0] == hooks[1] and hooks[0][0]["status"] == "success"
