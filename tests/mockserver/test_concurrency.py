"""200 concurrent operations on shared tasks through a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from mockserver.running import RunningMock

from .api import AUTH_HEADER

BIZ = 2
TEMPLATE = 30
LEGAL = {"CREATED", "RUNNING", "SUSPENDED", "FINISHED", "FAILED", "REVOKED", "NODE_SUSPENDED"}


@pytest.mark.slow  # about 4 s on two cores: run by `pytest -m ""` and .ci/run
def test_concurrent_operations_keep_the_engine_consistent():
    with RunningMock() as mock, httpx.Client(base_url=mock.base_url, headers=AUTH_HEADER) as http:
        created = []
        for n in range(10):
            answer = http.post(f"/apigw/create_task/{TEMPLATE}/{BIZ}/", json={"name": f"c{n}"})
            created.append(answer.json()["data"]["task_id"])
        plan_rng = random.Random(5)
        plan = []
        for _ in range(200):
            task = plan_rng.choice(created)
            kind = plan_rng.choice(
                ["start", "pause", "resume", "revoke", "status", "count", "clock"]
            )
            plan.append((kind, task))

        def send(step: tuple[str, int]) -> int:
            kind, task = step
            with httpx.Client(base_url=mock.base_url, headers=AUTH_HEADER, timeout=30) as c:
                if kind == "start":
                    r = c.post(f"/apigw/start_task/{task}/{BIZ}/")
                elif kind in ("pause", "resume", "revoke"):
                    r = c.post(f"/apigw/operate_task/{task}/{BIZ}/", json={"action": kind})
                elif kind == "status":
                    r = c.get(f"/apigw/get_task_status/{task}/{BIZ}/")
                elif kind == "count":
                    r = c.post(f"/apigw/query_task_count/{BIZ}/", json={"group_by": "status"})
                else:
                    r = c.post("/__mock__/clock", json={"advance": 1})
                assert r.status_code == 200, r.text
                return r.status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(send, plan))
        assert statuses == [200] * 200
        states = []
        for task in created:
            body = http.get(f"/apigw/get_task_status/{task}/{BIZ}/").json()
            assert body["result"] is True
            states.append(body["data"]["state"])
        assert set(states) <= LEGAL
        counted = http.post(f"/apigw/query_task_count/{BIZ}/", json={"group_by": "status"}).json()
        groups = {g["code"]: g["value"] for g in counted["data"]["groups"]}
        assert counted["data"]["total"] == sum(groups.values()) == len(created)
        assert groups["CREATED"] == sum(1 for s in states if s == "CREATED")
