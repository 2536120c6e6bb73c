"""In-process cost per request: the served mock app and the baseline app, driven over ASGI.

    python bench/inprocess.py [--requests 5000] [--profile get_task_status] [--top 30]

No sockets and no load generator: each request is handed straight to the ASGI app, as uvicorn
would hand it, so the figure is the app's own cost (Starlette included, uvicorn's HTTP parsing
excluded) and it is steady enough to compare before and after a change. The mock app is
wrapped exactly as `sops-mock serve` wraps it. `--profile NAME` prints the top functions of one
workload under cProfile.
"""

# ruff: noqa: E402 (sys.path is fixed before the imports, as in bench/http.py)
from __future__ import annotations

import sys
from pathlib import Path

# As in bench/http.py: bench/http.py would hide the standard library's `http` package.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.baseline_app import make_app
from bench.workload_fixture import BIG_TEMPLATE, BIZ, build
from mockserver.accesslog import MaskedAccessLog
from mockserver.app import create_app
from mockserver.gcpolicy import tune_for_serving
from mockserver.settings import Settings
from mockserver.wirefaults import ExposeTransport

AUTH = json.dumps({"bk_app_code": "bench", "bk_app_secret": "x", "bk_username": "admin"})
HEADERS = [
    (b"host", b"127.0.0.1"),
    (b"x-bkapi-authorization", AUTH.encode()),
    (b"content-type", b"application/json"),
]
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


async def request(app: App, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    # As wrk sends them: a GET without a body announces none.
    head = (
        HEADERS
        if method == "GET" and not body
        else [*HEADERS, (b"content-length", b"%d" % len(body))]
    )
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": head,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def mock_app(fixture_file: Path) -> App:
    settings = Settings(clock="virtual", fixture=str(fixture_file), port=8000)
    return ExposeTransport(MaskedAccessLog(create_app(settings)))


async def prepare(app: App) -> dict[str, str]:
    """A RUNNING 20-node task, as bench/http.py makes it; the recorded answers for the baseline."""
    _, created = await request(
        app, "POST", f"/apigw/create_task/{BIG_TEMPLATE}/{BIZ}/", b'{"name": "big"}'
    )
    task_id = json.loads(created)["data"]["task_id"]
    await request(app, "POST", f"/apigw/start_task/{task_id}/{BIZ}/")
    await request(app, "POST", "/__mock__/clock", b'{"until_idle": true}')
    status_path = f"/apigw/get_task_status/{task_id}/{BIZ}/"
    _, status = await request(app, "GET", status_path)
    assert json.loads(status)["data"]["state"] == "RUNNING"
    _, listed = await request(app, "GET", f"/apigw/get_template_list/{BIZ}/")
    create_path = f"/apigw/create_task/{BIG_TEMPLATE + 1}/{BIZ}/"
    _, create = await request(app, "POST", create_path, b'{"name": "n"}')
    new_id = json.loads(create)["data"]["task_id"]
    _, start = await request(app, "POST", f"/apigw/start_task/{new_id}/{BIZ}/")
    return {
        "status_path": status_path,
        f"GET {status_path}": status.decode(),
        f"GET /apigw/get_template_list/{BIZ}/": listed.decode(),
        f"POST {create_path}": create.decode(),
        "POST /apigw/start_task/{task_id:int}/" + f"{BIZ}/": start.decode(),
    }


Work = Callable[[App], Awaitable[None]]
BATCHES = 20


def workloads(recorded: dict[str, str]) -> dict[str, Work]:
    status_path = recorded["status_path"]
    create_path = f"/apigw/create_task/{BIG_TEMPLATE + 1}/{BIZ}/"

    async def status(app: App) -> None:
        code, _ = await request(app, "GET", status_path)
        assert code == 200

    async def listing(app: App) -> None:
        code, _ = await request(app, "GET", f"/apigw/get_template_list/{BIZ}/")
        assert code == 200

    async def create_start(app: App) -> None:
        code, body = await request(app, "POST", create_path, b'{"name": "load"}')
        task_id = json.loads(body)["data"]["task_id"]
        code, _ = await request(app, "POST", f"/apigw/start_task/{task_id}/{BIZ}/")
        assert code == 200

    return {
        "get_task_status": status,
        "get_template_list": listing,
        "create_task+start_task": create_start,
    }


async def per_request(
    apps: tuple[App, App], work: Work, count: int, calls: int
) -> tuple[float, float]:
    """CPU microseconds per HTTP request of each app (a create+start pair counts as two).

    CPU time, not wall time, so that other work on the machine disturbs the figure less; the
    best of several batches, as `timeit` reports, since what disturbs it only adds time; and the
    two apps' batches taken in turn, so that both see the same spells of a noisy machine.
    """
    for app in apps:
        for _ in range(min(200, count)):
            await work(app)
    batch = max(1, count // BATCHES)
    best = [float("inf"), float("inf")]
    for _ in range(BATCHES):
        for i, app in enumerate(apps):
            began = time.process_time()
            for _ in range(batch):
                await work(app)
            best[i] = min(best[i], (time.process_time() - began) / (batch * calls) * 1e6)
    return best[0], best[1]


async def main_async(args: argparse.Namespace) -> None:
    fixture_file = Path(tempfile.mkdtemp(prefix="sops-bench-")) / "bench.json"
    fixture_file.write_text(json.dumps(build(), ensure_ascii=False), encoding="utf-8")
    mock = mock_app(fixture_file)
    recorded = await prepare(mock)
    baseline = make_app({k: v for k, v in recorded.items() if " " in k})
    tune_for_serving()  # the collector as `sops-mock serve` sets it
    chosen = workloads(recorded)
    if args.profile:
        work = chosen[args.profile]
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            await work(mock)
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        return
    print(f"{'workload':<26}{'mock us/req':>12}{'baseline':>10}{'mock own':>10}")
    for name, work in chosen.items():
        calls = 2 if "+" in name else 1
        mock_us, base_us = await per_request((mock, baseline), work, args.requests, calls)
        print(f"{name:<26}{mock_us:>12.1f}{base_us:>10.1f}{mock_us - base_us:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--profile", choices=("get_task_status", "get_template_list",
                                              "create_task+start_task"))  # fmt: skip
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
