"""GET /__mock__/state at many tasks: how long it takes, the memory it peaks at, and how long a
health check waits meanwhile.

    python bench/state_snapshot.py [--tasks 50000] [--started 0.5]

The mock is served by uvicorn in a thread of this process (mockserver.running); tasks are made
through the engine directly (quick), about half of them started and moved along the clock so
records carry operation logs. While one client reads the state, another calls
/__mock__/health every 20 ms; the figures are the state's wall time and size, the process's
peak RSS during the read (VmHWM reset just before it) and the health calls' worst latency.
"""

# ruff: noqa: E402 (sys.path is fixed before the imports, as in bench/http.py)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import gc
import json
import threading
import time

import httpx

from mockserver.running import RunningMock

TEMPLATES = (31, 32, 33, 38)


def memory(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def populate(mock: RunningMock, tasks: int, started: float) -> None:
    state = mock.app.state.mock
    with state.lock:
        templates = [state.catalog.template(1, t) for t in TEMPLATES]  # project 1: biz 2
        for n in range(tasks):
            template = templates[n % len(templates)]
            assert template is not None
            task = state.engine.new_task(
                template.spec(1),
                name=f"bench {n}",
                creator="admin",
                project_id=1,
                constants={"${n}": n},
                create_method="api",
                create_info="bench",
            )
            if n < tasks * started:
                state.engine.start_task(task.id, "admin")
    mock.advance(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--started", type=float, default=0.5)
    args = parser.parse_args()
    with RunningMock(seed=1) as mock:
        populate(mock, args.tasks, args.started)
        gc.collect()
        waits: list[float] = []
        done = threading.Event()

        def poll() -> None:
            with httpx.Client(base_url=mock.base_url, timeout=600) as client:
                while not done.is_set():
                    began = time.perf_counter()
                    client.get("/__mock__/health").raise_for_status()
                    waits.append(time.perf_counter() - began)
                    time.sleep(0.02)

        freeze_ms = None
        try:  # the part done under the lock (absent before the snapshot was streamed)
            from mockserver.snapshot import copy_state

            state = mock.app.state.mock
            with state.lock:
                began = time.perf_counter()
                copy_state(state)
                freeze_ms = round(1000 * (time.perf_counter() - began), 1)
        except ImportError:
            pass
        rss_before = memory("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM back to the current RSS
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        began = time.perf_counter()
        size = 0
        with (
            httpx.Client(base_url=mock.base_url, timeout=600) as client,
            client.stream("GET", "/__mock__/state") as answer,
        ):
            answer.raise_for_status()
            for piece in answer.iter_bytes():  # counted, not kept: the client's memory is not
                size += len(piece)  # the server's
        elapsed = time.perf_counter() - began
        peak = memory("VmHWM")
        done.set()
        poller.join(60)
        tasks = len(mock.app.state.mock.engine.tasks())
        print(
            json.dumps(
                {
                    "tasks": tasks,
                    "seconds": round(elapsed, 2),
                    "megabytes": round(size / 1e6, 1),
                    "rss_before_mb": round(rss_before, 1),
                    "peak_rss_mb": round(peak, 1),
                    "under_lock_ms": freeze_ms,
                    "health_calls": len(waits),
                    "health_worst_ms": round(1000 * max(waits, default=0.0), 1),
                    "health_median_ms": round(1000 * sorted(waits)[len(waits) // 2], 1)
                    if waits
                    else None,
                }
            )
        )


if __name__ == "__main__":
    main()
