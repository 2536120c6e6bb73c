"""A store that fails: the request answers 503 with the reason, and the app goes back to the
store's state once it answers again (nothing the store did not keep is shown)."""

from __future__ import annotations

from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings
from tests.mockserver.api import AUTH_HEADER


def test_a_redis_that_goes_away_gives_503_and_nothing_unkept(redis_store):
    import redis

    app = create_app(Settings(seed=3, store=redis_store))
    server = redis.Redis.from_url(redis_store)
    with TestClient(app) as client:
        made = client.post("/apigw/create_task/30/2/", json={"name": "a"}, headers=AUTH_HEADER)
        assert made.json()["data"]["task_id"] == 1
        store = app.state.mock.store
        real_write = store.write

        def failing(change):  # the server refuses this one write, as a full disk or OOM would
            raise redis.ConnectionError("connection reset by peer")

        store.write = failing
        answer = client.post("/apigw/create_task/30/2/", json={"name": "b"}, headers=AUTH_HEADER)
        assert answer.status_code == 503
        body = answer.json()
        assert body["result"] is False and "connection reset by peer" in body["message"]
        assert answer.headers["retry-after"] == "1"
        store.write = real_write
        listed = client.get("/apigw/get_task_list/2/", headers=AUTH_HEADER).json()["data"]
        assert [t["id"] for t in listed] == [1]  # task 2 was never kept: it is not shown
        again = client.post("/apigw/create_task/30/2/", json={"name": "c"}, headers=AUTH_HEADER)
        assert again.json()["data"]["task_id"] == 2
    assert server.hlen("sops-mock:head") == 2
    server.close()


def test_an_unreachable_sqlite_folder_is_one_line_at_start(tmp_path):
    import pytest

    from mockserver.store import StoreError

    with pytest.raises(StoreError, match="does not exist"):
        create_app(Settings(store=f"sqlite:///{tmp_path}/nowhere/mock.db"))
