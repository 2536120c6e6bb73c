from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

from .api import Api


@pytest.fixture
def settings() -> Settings:
    # bk-sops's answer caches off: these tests read a task's state right after changing it
    # (tests/mockserver/test_answer_cache.py covers the caches).
    return Settings(clock="virtual", validate_responses=True, seed=7, caches=False)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def advance(client):
    def move(seconds: float) -> dict:
        answer = client.post("/__mock__/clock", json={"advance": seconds})
        assert answer.status_code == 200, answer.text
        return answer.json()

    return move
