"""Worker mode: the production path, bamboo-engine on a real Celery worker with redis-server.

`run_worker(scenarios)` runs a child interpreter (`python -m enginediff.real.worker`), because
Django must be configured for a shared SQLite file before it is imported. The child starts
Debian's redis-server on a free 127.0.0.1 port and a Celery worker (`-Q er_execute,er_schedule`,
two prefork processes), then runs the scenarios, BATCH at a time, in wall-clock time: each
action half a second after its clock reading and once the worker has settled (no queued
message, no process awake, no schedule running), so that work due at the reading is done.
Every scenario's run gets its own ids (a seed per scenario), so the runs and any message a
revoked poller leaves behind cannot meet. It reports, per scenario, the per-node state writes,
the final rows, the action results and the status tree. Everything it started is stopped,
also on errors.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from enginediff.scenario import Scenario
from enginediff.trace import Trace

SLACK = 0.5  # seconds after a clock reading at which the worker-mode action happens
BATCH = 3  # scenarios run side by side: more and the worker falls behind the script
READY_TIMEOUT = 60.0


class WorkerModeError(RuntimeError):
    """The worker mode could not run (no redis-server, the worker did not come up...)."""


def run_worker(scenarios: Sequence[Scenario]) -> list[Trace]:
    """Run scenarios in worker mode (in a child interpreter); their traces, in order."""
    if shutil.which("redis-server") is None:
        raise WorkerModeError("redis-server is not installed (apt-get install -y redis-server)")
    payload = json.dumps([s.to_dict() for s in scenarios])
    done = subprocess.run(
        [sys.executable, "-m", "enginediff.real.worker"],
        input=payload,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise WorkerModeError(f"worker mode failed:\n{done.stderr[-4000:]}")
    return [Trace.from_dict(item) for item in json.loads(done.stdout)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _process(args: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[Any]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for(check: Any, what: str) -> None:
    deadline = time.perf_counter() + READY_TIMEOUT
    while time.perf_counter() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise WorkerModeError(f"{what} did not come up within {READY_TIMEOUT:.0f} s")


def _redis_up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _wait_until(moment: float) -> None:
    # The worker mode runs in wall-clock time by nature (Celery countdowns are real seconds).
    delay = moment - time.perf_counter()
    if delay > 0:
        time.sleep(delay)


def _queued(port: int) -> int:
    """Messages waiting in the engine's two queues (not yet taken by the worker)."""
    total = 0
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        for queue in (b"er_execute", b"er_schedule"):
            sock.sendall(b"LLEN " + queue + b"\r\n")
            total += int(sock.recv(64).strip().lstrip(b":") or 0)
    return total


def _settled(port: int) -> bool:
    """Nothing runs or waits to run now: no message in the queues, no process awake (executing),
    no schedule being run. Checked three times over 0.3 s, so that a message the worker has
    just taken has time to wake its process."""
    from pipeline.eri.models import Process, Schedule

    for _ in range(3):
        awake = Process.objects.filter(asleep=False, suspended=False, dead=False)
        if _queued(port) or awake.exists():
            return False
        if Schedule.objects.filter(scheduling=True).exists():
            return False
        time.sleep(0.1)
    return True


def _run_all(
    scenarios: Sequence[Scenario], env: dict[str, str], work: Path, port: int
) -> list[Trace]:
    from bamboo_engine import api  # noqa: F401  - fail early if the extra is missing
    from pipeline.eri.runtime import BambooDjangoRuntime

    from enginediff.real.runner import RealSide
    from enginediff.real.writes import read_writes

    sides = [
        RealSide(s, BambooDjangoRuntime(), "worker", seed=100 + pos)
        for pos, s in enumerate(scenarios)
    ]
    timeline = sorted(
        ((a.at, pos, n) for pos, s in enumerate(scenarios) for n, a in enumerate(s.actions)),
    )
    args = [
        sys.executable, "-m", "celery", "-A", "enginediff.real.celeryapp", "worker",
        "-Q", "er_execute,er_schedule", "-P", "prefork", "-c", "2", "-l", "WARNING",
        "--without-heartbeat", "--without-gossip", "--without-mingle",
        "-n", f"diff-{port}@127.0.0.1",
    ]  # fmt: skip
    with _process(args, work / "celery.log", env):
        _wait_for(lambda: _ping(port), "the Celery worker")
        for first in range(0, len(scenarios), BATCH):
            batch = range(first, min(first + BATCH, len(scenarios)))
            start = time.perf_counter()
            for at, pos, n in timeline:
                if pos not in batch:
                    continue
                _wait_until(start + at + SLACK)
                _wait_for(lambda: _settled(port), "the worker to settle")
                action = scenarios[pos].actions[n]
                sides[pos].trace.results.append((action.label(), sides[pos].apply(action)))
            _wait_until(start + max(scenarios[pos].horizon for pos in batch) + SLACK)
            for pos in batch:
                sides[pos].trace.sample("end", sides[pos].rows())
    writes = read_writes(str(work / "writes.jsonl"))
    traces = []
    for side in sides:
        trace = side.finish()
        per_node: dict[str, list[str]] = {}
        for node, state in writes:
            if node in side.back:
                per_node.setdefault(side.back[node], []).append(state)
        trace.transitions = per_node
        traces.append(trace)
    return traces


def _ping(port: int) -> bool:
    from celery import Celery

    app = Celery(broker=f"redis://127.0.0.1:{port}/0")
    try:
        return bool(app.control.ping(timeout=0.5))
    finally:
        app.close()


def main() -> int:
    scenarios = [Scenario.from_dict(item) for item in json.loads(sys.stdin.read())]
    work = Path(tempfile.mkdtemp(prefix="engine-diff-"))
    port = free_port()
    env = dict(os.environ)
    env.update(
        ENGINE_DIFF_DB=str(work / "engine.sqlite3"),
        ENGINE_DIFF_BROKER=f"redis://127.0.0.1:{port}/0",
        ENGINE_DIFF_WRITES=str(work / "writes.jsonl"),
        DJANGO_SETTINGS_MODULE="enginediff.real.settings",
    )
    os.environ.update(env)
    redis = [
        "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", str(work),
    ]  # fmt: skip
    try:
        with _process(redis, work / "redis.log"):
            _wait_for(lambda: _redis_up(port), "redis-server")
            from .runner import setup
            from .writes import connect_file_recorder

            setup()
            connect_file_recorder()
            traces = [t.to_dict() for t in _run_all(scenarios, env, work, port)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.stdout.write(json.dumps(traces))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
