"""Same seed, fixture and calls: memory, SQLite and Redis give byte-identical answers, a restart
on a durable store changes none of them, and two apps on one Redis answer as one app does."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings
from tests.mockserver.api import AUTH_HEADER

Step = tuple[str, str, Any]
APP_ERROR = {"kind": "app_error"}
NIGHTLY = {"minute": "*/5", "hour": "2"}
# Task API calls and control-plane changes: everything a store keeps is touched.
FIRST: list[Step] = [
    ("GET", "/apigw/get_template_list/2/", None),
    ("POST", "/apigw/create_task/30/2/", {"name": "a", "constants": {"${content}": "echo"}}),
    ("POST", "/apigw/create_task/30/2/", {"name": "b"}),
    ("PUT", "/__mock__/starts", {"delay": {"min": 0, "max": 0}}),
    ("POST", "/apigw/start_task/1/2/", None),
    ("POST", "/__mock__/clock", {"advance": 3}),
    ("GET", "/apigw/get_task_status/1/2/", None),
    ("POST", "/apigw/operate_task/1/2/", {"action": "pause"}),
    ("PUT", "/__mock__/scenarios/components/bk_display", {"duration": 4}),
    (
        "POST",
        "/__mock__/faults",
        {"operations": ["get_task_detail"], "fault": {"kind": "app_error"}},
    ),
    ("POST", "/apigw/create_task/31/2/", {"name": "c"}),
    ("POST", "/apigw/start_task/2/2/", None),
]
THEN: list[Step] = [
    ("GET", "/apigw/get_task_detail/1/2/", None),
    ("POST", "/apigw/operate_task/1/2/", {"action": "resume"}),
    ("POST", "/__mock__/clock", {"until_idle": True}),
    ("GET", "/apigw/get_task_status/1/2/?with_ex_data=1", None),
    ("GET", "/apigw/get_task_status/2/2/", None),
    ("PUT", "/__mock__/starts", {"delay": {"min": 1, "max": 2}}),
    ("POST", "/apigw/start_task/3/2/", None),
    ("POST", "/apigw/start_task/3/2/", None),
    ("POST", "/apigw/query_task_count/2/", {"group_by": "status"}),
    ("POST", "/apigw/operate_task/2/2/", {"action": "revoke"}),
    ("POST", "/apigw/create_periodic_task/31/2/", {"name": "nightly", "cron": NIGHTLY}),
    ("POST", "/apigw/set_periodic_task_enabled/1/2/", {"enabled": True}),
    ("POST", "/__mock__/clock", {"advance": 16.5 * 3600}),  # its runs: 02:00 to 02:30
    ("GET", "/apigw/get_task_list/2/?limit=200", None),
    ("GET", "/apigw/get_periodic_task_info/1/2/", None),
    ("GET", "/__mock__/faults", None),
    ("GET", "/__mock__/scenarios", None),
    ("GET", "/__mock__/starts", None),
    ("GET", "/__mock__/health", None),
]


def call(client: TestClient, step: Step) -> bytes:
    method, path, body = step
    headers = {} if path.startswith("/__mock__") else AUTH_HEADER
    answer = client.request(method, path, json=body, headers=headers)
    assert answer.status_code < 500, answer.text
    return answer.content


def settings(store: str) -> Settings:
    return Settings(seed=11, validate_responses=True, store=store)


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/mock.db"
    if request.param == "redis":
        return str(request.getfixturevalue("redis_store"))
    return "memory"


@pytest.fixture(scope="module")
def memory_answers() -> list[bytes]:
    with TestClient(create_app(settings("memory"))) as client:
        return [call(client, step) for step in FIRST + THEN]


def test_every_store_answers_byte_for_byte_as_memory(store, memory_answers):
    with TestClient(create_app(settings(store))) as client:
        answers = [call(client, step) for step in FIRST + THEN]
    assert answers == memory_answers


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_restart_on_a_durable_store_changes_no_answer(kind, request, tmp_path, memory_answers):
    store = (
        f"sqlite:///{tmp_path}/mock.db"
        if kind == "sqlite"
        else request.getfixturevalue("redis_store")
    )
    with TestClient(create_app(settings(store))) as client:
        before = [call(client, step) for step in FIRST]
    # A new app on the same store: the fixture and seed it is given do not matter, the store's do.
    with TestClient(create_app(settings(store).with_(seed=99))) as client:
        after = [call(client, step) for step in THEN]
    assert before + after == memory_answers


def test_two_apps_on_one_redis_answer_as_one_app(redis_store, memory_answers):
    with ExitStack() as stack:
        apps = [stack.enter_context(TestClient(create_app(settings(redis_store)))) for _ in "ab"]
        answers = [call(apps[i % 2], step) for i, step in enumerate(FIRST + THEN)]
    assert answers == memory_answers


def test_a_reset_through_one_app_reaches_the_other(redis_store):
    with ExitStack() as stack:
        one, other = (
            stack.enter_context(TestClient(create_app(settings(redis_store)))) for _ in "ab"
        )
        call(one, ("POST", "/apigw/create_task/30/2/", {"name": "a"}))

        def listed(client: TestClient) -> Any:
            return client.get("/apigw/get_task_list/2/", headers=AUTH_HEADER).json()["data"]

        assert [t["id"] for t in listed(other)] == [1]
        assert one.post("/__mock__/reset", json={"seed": 5}).status_code == 200
        assert listed(other) == []
        assert other.get("/__mock__/health").json()["seed"] == 5


def test_a_store_holding_the_other_clock_is_refused_at_start(tmp_path):
    from mockserver.store.apply import StoreMismatch

    url = f"sqlite:///{tmp_path}/mock.db"
    create_app(settings(url)).state.mock.store.close()
    with pytest.raises(StoreMismatch, match="--clock virtual"):
        create_app(settings(url).with_(clock="wall"))
