"""bench/store.py's arithmetic (totals, medians, ratios against memory) and its worker finder."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from bench import store


def run(rps: float, cpu: float | None, redis: float | None = None) -> dict[str, Any]:
    times = {"p50_ms": 1.0, "p99_ms": 2.0, "non_2xx": 0}
    return {"rps": rps, **times, "cpu_us": cpu, "redis_us": redis}


def test_ratios_are_taken_against_memory_with_redis_cpu_in_the_total() -> None:
    out = store.summarise(
        "read",
        {
            "memory": [run(10_000, 80), run(12_000, 70), run(11_000, 90)],
            "sqlite": [run(6_000, 140)],
            "redis": [run(2_000, 400, 80)],
        },
    )
    memory, sqlite, redis = (out["stores"][s] for s in ("memory", "sqlite", "redis"))
    assert memory["rps"] == 11_000 and memory["cpu_us"] == 80  # medians of the runs
    assert memory["runs_rps"] == [10_000, 12_000, 11_000]
    assert redis["total_us"] == 480  # the server's and redis-server's CPU together
    assert sqlite["ratio_rps"] == pytest.approx(6_000 / 11_000)
    assert sqlite["ratio_cpu"] == pytest.approx(80 / 140)
    assert redis["ratio_cpu"] == pytest.approx(80 / 480)
    assert memory["ratio_cpu"] == 1


def test_unknown_cpu_gives_no_ratio_and_a_dash() -> None:
    out = store.summarise("read", {"memory": [run(10_000, None)], "sqlite": [run(5_000, 150)]})
    assert out["stores"]["sqlite"]["ratio_cpu"] is None
    assert out["stores"]["sqlite"]["ratio_rps"] == 0.5
    lines = store.table([out]).splitlines()
    memory_row = next(line for line in lines if line.startswith("memory"))
    assert "    - " in memory_row


def test_tasks_held_are_shown_for_the_read_after_the_writes() -> None:
    runs = {"memory": [{**run(10_000, 80), "tasks": 1234}]}
    out = store.summarise("get_task_status, after the writes", runs)
    assert out["stores"]["memory"]["tasks"] == 1234
    assert "[1234 tasks held]" in store.table([out])


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_workers_of_finds_spawned_children_only() -> None:
    code = "from multiprocessing.spawn import spawn_main"  # a child named as uvicorn's workers are
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys; "
            f"a = subprocess.Popen([sys.executable, '-c', {code + '; input()'!r}], "
            "stdin=subprocess.PIPE); "
            "b = subprocess.Popen([sys.executable, '-c', 'input()'], stdin=subprocess.PIPE); "
            "print(a.pid, b.pid, flush=True); input(); a.kill(); b.kill()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        spawned, other = (int(p) for p in parent.stdout.readline().split())
        assert store.workers_of(parent.pid) == [spawned]
        assert other not in store.workers_of(parent.pid)
    finally:
        parent.communicate("\n", timeout=10)
