"""Served by the real `sops-mock serve`: kill -9 of an SQLite-backed mock loses no answered
operation, and four workers on one Redis neither lose nor double a transition."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.commandline import free_port, serving

pytestmark = pytest.mark.slow
AUTH = {
    "X-Bkapi-Authorization": json.dumps(
        {"bk_app_code": "a", "bk_app_secret": "b", "bk_username": "admin"}
    )
}


@contextmanager
def served(*flags: str, workers: int = 1) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    args = ["serve", "--port", str(port), "--workers", str(workers), *flags]
    # Each worker says so once its app has started.
    with serving(args, "Application startup complete", times=workers) as server:
        yield f"http://127.0.0.1:{port}", server


def post(base: str, path: str, body: Any = None) -> dict[str, Any]:
    # One connection per call: with several workers, the kernel hands each to any of them.
    answer = httpx.post(base + path, json=body, headers=AUTH, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


def get(base: str, path: str) -> dict[str, Any]:
    answer = httpx.get(base + path, headers=AUTH, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_kill_9_loses_no_answered_operation(tmp_path: Path):
    store = f"sqlite:///{tmp_path}/mock.db"
    created: list[int] = []
    started: list[int] = []
    killed = threading.Event()
    enough = threading.Event()

    def client(base: str) -> None:
        while not killed.is_set():
            try:
                task = post(base, "/apigw/create_task/30/2/", {"name": "load"})["data"]["task_id"]
                created.append(task)
                if post(base, f"/apigw/start_task/{task}/2/")["result"]:
                    started.append(task)
            except (httpx.HTTPError, AssertionError):
                return  # the server is gone: what was answered is what counts
            if len(created) >= 120:
                enough.set()

    with served("--store", store, "--start-delay", "0") as (base, server):
        threads = [threading.Thread(target=client, args=(base,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        enough.wait(120)
        os.kill(server.pid, signal.SIGKILL)  # mid-load: requests are in flight
        killed.set()
        server.wait(30)
        for thread in threads:
            thread.join(60)
    assert len(created) >= 120
    with served("--store", store) as (base, _):
        listed = sorted(
            t["id"]
            for offset in range(0, 1000, 200)  # bk-sops gives at most 200 a page
            for t in get(base, f"/apigw/get_task_list/2/?limit=200&offset={offset}")["data"]
        )
        # Every answered create is there; ids have no gap (no task half-written).
        assert set(created) <= set(listed)
        assert listed == list(range(1, len(listed) + 1))
        for task in started:
            status = get(base, f"/apigw/get_task_status/{task}/2/")
            assert status["result"] and status["data"]["state"] != "CREATED", status
        # The restored mock goes on numbering after the last task it kept.
        after = post(base, "/apigw/create_task/30/2/", {"name": "after"})["data"]["task_id"]
        assert after == len(listed) + 1


def test_four_workers_on_one_redis_neither_lose_nor_double(redis_store: str):
    with served(
        "--store", redis_store, "--start-delay", "0", "--no-caches", "--clock", "virtual", workers=4
    ) as (
        base,
        _,
    ):
        shared = [
            post(base, "/apigw/create_task/30/2/", {"name": f"s{i}"})["data"]["task_id"]
            for i in range(20)
        ]
        with ThreadPoolExecutor(200) as pool:
            starts = list(
                pool.map(
                    lambda i: (
                        shared[i % 20],
                        post(base, f"/apigw/start_task/{shared[i % 20]}/2/"),
                    ),
                    range(200),
                )
            )
            made = list(
                pool.map(
                    lambda i: post(base, "/apigw/create_task/31/2/", {"name": f"c{i}"}), range(200)
                )
            )
        wins = {
            task: sum(1 for t, answer in starts if t == task and answer["result"])
            for task in shared
        }
        assert wins == dict.fromkeys(shared, 1)  # two starts of one task never both succeed
        ids = [answer["data"]["task_id"] for answer in made]
        assert len(set(ids)) == 200 and set(ids).isdisjoint(shared)
        listed = [  # bk-sops gives at most 200 a page
            task
            for offset in (0, 200)
            for task in get(base, f"/apigw/get_task_list/2/?limit=200&offset={offset}")["data"]
        ]
        assert sorted(t["id"] for t in listed) == list(range(1, 221))
        counted = post(base, "/apigw/query_task_count/2/", {"group_by": "status"})
        assert counted["result"] and counted["data"]["total"] == 220
        with ThreadPoolExecutor(16) as pool:
            for task in shared[:5]:
                path = f"/apigw/get_task_status/{task}/2/"
                reads = list(pool.map(lambda _, path=path: get(base, path), range(16)))
                for read in reads:
                    read.pop("trace_id", None)
                assert all(read == reads[0] for read in reads)
                assert reads[0]["data"]["state"] == "RUNNING"
