"""Store benchmark: one mock per --store under the same load, as ratios against memory, same run.

    python bench/store.py [--duration 5] [--repeat 1] [--connections 32] [--json out.json]
                          [--only status] [--stores memory,sqlite,redis,redis-2] [--warmup 1]
                          [--preload 0 [--drain]] [--start-delay MIN[:MAX]]

Four servers, all started by this script and all alive for the whole run: `--store memory`,
`--store sqlite:///<temp dir>/mock.db`, `--store redis://127.0.0.1:<port>/0` (one worker) and
`--store redis://127.0.0.1:<port>/1 --workers 2`, each serving bench/http.py's fixture with the
virtual clock. The script starts its own redis-server on a free 127.0.0.1 port (no snapshot,
no append-only file) and stops it at the end. The servers, their workers and redis-server are
pinned to core 0; the load generator (wrk when installed, else bench/loadgen.py's client) to
core 1, as in bench/http.py.

Workloads, each run on every server in turn (the stores interleaved, so a change in the
machine's load falls on all of them alike):
- get_task_status of a RUNNING 20-node task (a read);
- create_task then start_task (the write mix of bench/http.py);
- get_task_status again, after the writes: what the state the writes left costs a read (the
  number of tasks each server then holds is printed, since faster servers made more).

`--preload N` gives every server N create + start pairs before the first run, so that the
stores are compared holding the same state; `--drain` then moves the virtual clock until idle,
so that no queued start is left waiting (as the wall clock leaves them a second later).
`--start-delay 0` serves with starts run at once, so that no start is ever queued.

CPU per request is read from /proc: the served process for one worker, the sum of its uvicorn
worker processes (its children) for several, and, for the redis stores, redis-server's own,
reported apart and in the total. With every server-side process on one core, 1 / (total CPU
per request) bounds the requests/s, so memory's CPU / a store's total CPU is the throughput
ratio a quiet machine gives. On a 2-core machine the two workers share core 0 as well: the
bench shows what sharing a store costs, not what a second core would add.
"""

# ruff: noqa: E402 (sys.path is fixed before the imports, as in bench/http.py)
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/http.py would hide
# the standard library's `http` package: drop the folder, add the repository root.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

from bench import loadgen
from bench.http import HEADERS, call, free_port, pinned, prepare_mock, wait_ready
from bench.workload_fixture import BIG_TEMPLATE, BIZ, build

STORES = ("memory", "sqlite", "redis", "redis-2")


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base: str
    workers: int
    status_path: str = ""

    def pids(self) -> list[int]:
        """The processes that serve requests: the worker children when there are several."""
        if self.workers == 1:
            return [self.process.pid]
        return workers_of(self.process.pid)


def workers_of(pid: int) -> list[int]:
    """uvicorn's worker processes under `pid` (multiprocessing's resource tracker left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid != pid:
                continue
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if b"spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


def cpu_total(pids: list[int]) -> float | None:
    readings = [loadgen.cpu_seconds(pid) for pid in pids]
    if not readings or any(r is None for r in readings):
        return None
    return sum(r for r in readings if r is not None)


def serve_cmd(port: int, fixture: Path, store: str, workers: int, extra: list[str]) -> list[str]:
    cmd = [
        *(sys.executable, "-m", "mockserver", "serve", "--clock", "virtual"),
        *("--port", str(port), "--fixture", str(fixture), "--log-level", "warning"),
        *("--store", store),
        *extra,
    ]
    return cmd + (["--workers", str(workers)] if workers > 1 else [])


def start_redis(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (Debian: apt-get install redis-server)")
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(pinned(cmd, 0), stdout=subprocess.DEVNULL)
    loadgen.wait_port(port, process)
    return process


def start_server(name: str, fixture: Path, tmp: Path, redis_port: int, extra: list[str]) -> Server:
    store, workers = {
        "memory": ("memory", 1),
        "sqlite": (f"sqlite://{tmp / 'mock.db'}", 1),
        "redis": (f"redis://127.0.0.1:{redis_port}/0", 1),
        "redis-2": (f"redis://127.0.0.1:{redis_port}/1", 2),
    }[name]
    port = free_port()
    process = subprocess.Popen(pinned(serve_cmd(port, fixture, store, workers, extra), 0), cwd=ROOT)
    server = Server(name, process, f"http://127.0.0.1:{port}", workers)
    wait_ready(f"{server.base}/__mock__/health", process)
    return server


def measured(
    generator: loadgen.Generator,
    server: Server,
    redis_pid: int,
    workload: loadgen.Workload,
    connections: int,
    duration: float,
) -> dict[str, Any]:
    """One run: the generator's figures, and the CPU per request of the server and redis."""
    pids = server.pids()
    before, redis_before = cpu_total(pids), loadgen.cpu_seconds(redis_pid)
    result = generator(server.base, workload, connections, duration, HEADERS)
    after, redis_after = cpu_total(pids), loadgen.cpu_seconds(redis_pid)
    out: dict[str, Any] = {
        "rps": result.rps,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "non_2xx": result.non_2xx,
        "cpu_us": None,
        "redis_us": None,
    }
    if server.pids() != pids:  # a worker died or was replaced: its CPU time is lost
        print(f"warning: {server.name}: worker processes changed during the run", file=sys.stderr)
    elif before is not None and after is not None and result.requests:
        out["cpu_us"] = (after - before) / result.requests * 1e6
    # Only a redis store's: redis-server's idle ticks would be charged to the others' requests.
    uses_redis = server.name.startswith("redis")
    if uses_redis and redis_before is not None and redis_after is not None and result.requests:
        out["redis_us"] = (redis_after - redis_before) / result.requests * 1e6
    return out


def tasks_held(server: Server) -> int:
    """How many tasks the server holds: the id its next create gets, less one (ids from 1)."""
    path = f"/apigw/create_task/{BIG_TEMPLATE + 1}/{BIZ}/"
    answer = json.loads(call(server.base, "POST", path, {"name": "count"}))
    return int(answer["data"]["task_id"]) - 1


def preload(server: Server, pairs: int, drain: bool) -> None:
    """`pairs` create + start pairs before any run, so that every store holds as many tasks."""
    create = f"/apigw/create_task/{BIG_TEMPLATE + 1}/{BIZ}/"
    for _ in range(pairs):
        answer = json.loads(call(server.base, "POST", create, {"name": "preload"}))
        call(server.base, "POST", f"/apigw/start_task/{answer['data']['task_id']}/{BIZ}/")
    if drain:  # every queued start run: what the wall clock leaves a second later
        call(server.base, "POST", "/__mock__/clock", {"until_idle": True})


def workloads(server: Server) -> list[loadgen.Workload]:
    status: list[loadgen.Step] = [("GET", server.status_path, None)]
    return [
        loadgen.Workload("get_task_status (RUNNING, 20 nodes)", status),
        loadgen.Workload(
            "create_task + start_task",
            [
                ("POST", f"/apigw/create_task/{BIG_TEMPLATE + 1}/{BIZ}/", '{"name": "load"}'),
                ("POST", f"/apigw/start_task/{{task_id}}/{BIZ}/", None),
            ],
        ),
        loadgen.Workload("get_task_status, after the writes", status),
    ]


def summarise(name: str, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    def median(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return float(statistics.median(known)) if known else None

    out: dict[str, Any] = {"workload": name, "stores": {}}
    for store, results in runs.items():
        row: dict[str, Any] = {
            f: median([r[f] for r in results]) for f in results[0] if f != "tasks"
        }
        row["runs_rps"] = [round(r["rps"]) for r in results]
        row["total_us"] = (row["cpu_us"] or 0) + (row["redis_us"] or 0) or None
        if "tasks" in results[-1]:
            row["tasks"] = results[-1]["tasks"]
        out["stores"][store] = row
    memory = out["stores"].get("memory")
    for row in out["stores"].values():
        row["ratio_rps"] = row["rps"] / memory["rps"] if memory else None
        # memory's CPU / this store's (server + redis): the req/s ratio a quiet machine gives
        both = memory is not None and memory["total_us"] and row["total_us"]
        row["ratio_cpu"] = memory["total_us"] / row["total_us"] if both else None
    return out


def table(results: list[dict[str, Any]]) -> str:
    def num(value: float | None, spec: str) -> str:
        width = int(spec.split(".")[0])
        return f"{value:{spec}}" if value is not None else f"{'-':>{width}}"

    head = (
        f"{'store':8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'non2xx':>6} "
        f"{'srv us':>6} {'redis':>5} {'total':>6} | {'req/s':>5} {'cpu':>5}"
    )
    lines = []
    for r in results:
        lines += ["", f"{r['workload']}  (ratios: store / memory; cpu: memory / store)", head]
        for store, s in r["stores"].items():
            held = f"  [{s['tasks']} tasks held]" if "tasks" in s else ""
            lines.append(
                f"{store:8} {s['rps']:7.0f} {s['p50_ms']:7.2f} {s['p99_ms']:7.2f} "
                f"{s['non_2xx']:6.0f} {num(s['cpu_us'], '6.0f')} {num(s['redis_us'], '5.0f')} "
                f"{num(s['total_us'], '6.0f')} | {num(s['ratio_rps'], '5.2f')} "
                f"{num(s['ratio_cpu'], '5.2f')}{held}"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per store and workload")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured seconds first (0: none)")
    parser.add_argument("--generator", choices=["auto", "wrk", "builtin"], default="auto")
    parser.add_argument(
        "--stores", default=",".join(STORES), help="comma-separated, of: %(default)s"
    )
    parser.add_argument(
        "--preload", type=int, default=0, help="create + start pairs on each server first"
    )
    parser.add_argument(
        "--drain",
        action="store_true",
        help="then move the clock until idle, so that no queued start is left waiting",
    )
    parser.add_argument(
        "--start-delay",
        default=None,
        help="passed to every server (0: starts run at once, none is queued); default: the "
        "fixture's, as bench/http.py serves it",
    )
    parser.add_argument("--json", dest="json_out", default=None)
    parser.add_argument(
        "--only", default=None, help="run the workloads whose name contains this text"
    )
    args = parser.parse_args()
    chosen_stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if not chosen_stores or not set(chosen_stores) <= set(STORES):
        parser.error(f"--stores: give some of {', '.join(STORES)}")
    tmp = Path(tempfile.mkdtemp(prefix="sops-store-bench-"))
    fixture_file = tmp / "bench.json"
    fixture_file.write_text(json.dumps(build(), ensure_ascii=False), encoding="utf-8")
    generator = loadgen.pick(args.generator)
    extra = [] if args.start_delay is None else ["--start-delay", args.start_delay]
    redis_port = free_port()
    redis_server = start_redis(redis_port)
    servers: list[Server] = []
    load_before = os.getloadavg()
    try:
        for name in chosen_stores:
            servers.append(start_server(name, fixture_file, tmp, redis_port, extra))
        for server in servers:
            server.status_path = prepare_mock(server.base)["status_path"]
            preload(server, args.preload, args.drain)
            if args.warmup > 0:  # imports, caches and (with several) every worker up
                warm = workloads(server)[0]
                generator(server.base, warm, args.connections, args.warmup, HEADERS)
        names = [w.name for w in workloads(servers[0])]
        chosen = [n for n in names if args.only is None or args.only in n]
        if not chosen:
            parser.error(f"no workload name contains {args.only!r}")
        results = []
        for index, name in enumerate(names):
            if name not in chosen:
                continue
            runs: dict[str, list[dict[str, Any]]] = {s.name: [] for s in servers}
            for _ in range(args.repeat):
                for server in servers:
                    workload = workloads(server)[index]
                    runs[server.name].append(
                        measured(
                            generator,
                            server,
                            redis_server.pid,
                            workload,
                            args.connections,
                            args.duration,
                        )
                    )
            if "after the writes" in name:
                for server in servers:
                    runs[server.name][-1]["tasks"] = tasks_held(server)
            results.append(summarise(name, runs))
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            server.process.wait()
        redis_server.terminate()
        redis_server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
        f"generator {generator.__name__}, {args.connections} connections, "
        f"{args.duration:g} s x {args.repeat} runs, preload {args.preload}"
        f"{' drained' if args.drain else ''}"
        f"{'' if args.start_delay is None else ', start delay ' + args.start_delay}; load average "
        f"{'/'.join(f'{v:.2f}' for v in load_before)} before, "
        f"{'/'.join(f'{v:.2f}' for v in load_after)} after"
    )
    print(table(results))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
