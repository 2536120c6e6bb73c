"""Task lifecycles driven step by step: terminal states, legal transitions, counts.

Against the mock the virtual clock is moved through the control API; against a real deployment
the tests poll with a bounded timeout (--poll-timeout) and skip when a task does not finish.
"""

from __future__ import annotations

import pytest

from .driver import Driver
from .exchange import NAME_PREFIX
from .lifecycle import TERMINAL, count_disagreement
from .stateful import earlier_starts, settle_starts, task_counts

pytestmark = pytest.mark.destructive
REFUSED_ACTIONS = ("pause", "resume", "revoke", "start")


@pytest.fixture
def driver(aimed_client, contract_recorder):
    if aimed_client.target.template_id is None:
        pytest.skip("no template to create tasks from: pass --template-id")
    with aimed_client.fresh_reads():
        yield Driver(aimed_client, contract_recorder)


def refused(driver: Driver, task_id: int, action: str) -> None:
    body = driver.call("operate_task", {"task_id": task_id}, {"action": action})
    assert body.get("result") is False, f"{action} accepted: {body}"


def test_a_finished_task_stays_finished_and_accepts_no_action(driver):
    task = driver.create(NAME_PREFIX + "finishes")
    assert driver.status(task)["state"] == "CREATED"
    refused(driver, task, "pause")
    assert driver.call("start_task", {"task_id": task})["result"] is True
    # The start is queued (a second one is accepted while it waits): refused once it ran.
    driver.wait_for(task, lambda d: d.get("state") != "CREATED", until_idle=False)
    assert driver.call("start_task", {"task_id": task})["result"] is False
    data = driver.wait_for(task, lambda d: d.get("state") in TERMINAL | {"FAILED"})
    if data["state"] != "FINISHED":
        pytest.skip(f"the template's task did not finish (it is {data['state']})")
    for action in REFUSED_ACTIONS:
        refused(driver, task, action)
    assert driver.status(task)["state"] == "FINISHED"


def test_a_revoked_task_stays_revoked(driver):
    task = driver.create(NAME_PREFIX + "revoked")
    assert driver.call("start_task", {"task_id": task})["result"] is True
    data = driver.wait_for(task, lambda d: d.get("state") != "CREATED", until_idle=False)
    if data["state"] in TERMINAL:
        pytest.skip(f"the task ended ({data['state']}) before it could be revoked")
    answer = driver.call("operate_task", {"task_id": task}, {"action": "revoke"})
    assert answer["result"] is True, answer
    assert driver.status(task)["state"] == "REVOKED"
    for action in REFUSED_ACTIONS:
        refused(driver, task, action)
    assert driver.wait_for(task, lambda d: True)["state"] == "REVOKED"


@pytest.mark.control_plane
def test_pause_then_resume(driver, aimed_client):
    if not aimed_client.virtual_clock():
        pytest.skip("needs a task that stays running: a mock on a virtual clock")
    task = driver.create(NAME_PREFIX + "paused")
    assert driver.call("start_task", {"task_id": task})["result"] is True
    driver.wait_for(task, lambda d: d.get("state") != "CREATED", until_idle=False)
    assert driver.call("operate_task", {"task_id": task}, {"action": "pause"})["result"] is True
    assert driver.status(task)["state"] == "SUSPENDED"
    refused(driver, task, "pause")
    assert driver.call("operate_task", {"task_id": task}, {"action": "resume"})["result"] is True
    assert driver.wait_for(task, lambda d: d.get("state") in TERMINAL)["state"] == "FINISHED"


def test_task_counts_follow_the_tasks_created(driver, aimed_client):
    if task_counts(aimed_client)[1] == "":
        pytest.skip("the target's URL family does not publish query_task_count")
    settle_starts(aimed_client)
    before, _ = task_counts(aimed_client)
    carried = earlier_starts(aimed_client, before)  # earlier tests' queued starts
    assert before is not None, "query_task_count refused a plain status count"
    tasks = [driver.create(f"{NAME_PREFIX}count {n}") for n in range(3)]
    assert driver.call("start_task", {"task_id": tasks[0]})["result"] is True
    after, curl = task_counts(aimed_client)
    assert after is not None
    message = count_disagreement(before, after, driver.watch, carried)
    if message:
        driver.recorder.fail(driver.test, "query_task_count", "task_count_agrees", message, curl)
    assert message is None, f"{message}\n{curl}"
