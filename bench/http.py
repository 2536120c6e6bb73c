"""HTTP benchmark: sops-mock against a bare Starlette app serving the same bytes, same run.

    python bench/http.py [--duration 10] [--repeat 3] [--connections 32] [--json out.json]
                         [--only get_template_list]

Both servers run under uvicorn with the same settings (one worker, no access log, uvloop and
httptools when installed), pinned to core 0; the load generator (wrk when installed, else a
built-in asyncio client) is pinned to core 1. Three workloads: get_task_status of a RUNNING
20-node task, get_template_list of a business with 50 templates, create_task then start_task.
Each is repeated and reported as medians, with the ratio mock / baseline. Each server's CPU time
per request (Linux /proc) is reported too: unlike requests/s, it barely moves when other work
shares the machine, and baseline CPU / mock CPU is the ratio a quiet machine gives.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where this module's own name
# would hide the standard library's `http` package: drop the folder, add the repository root.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from typing import Any

from bench import loadgen
from bench.workload_fixture import BIG_TEMPLATE, BIZ, build

AUTH = json.dumps({"bk_app_code": "bench", "bk_app_secret": "x", "bk_username": "admin"})
HEADERS = {"X-Bkapi-Authorization": AUTH, "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(cmd: list[str], core: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(core), *cmd]
    return cmd


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> float:
    started = time.perf_counter()
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return time.perf_counter() - started
        except OSError:
            time.sleep(0.02)


def call(base: str, method: str, path: str, body: Any = None) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=HEADERS)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return bytes(answer.read())


def prepare_mock(base: str) -> dict[str, str]:
    """Make a RUNNING 20-node task and record one answer of each workload for the baseline."""
    created = json.loads(
        call(base, "POST", f"/apigw/create_task/{BIG_TEMPLATE}/{BIZ}/", {"name": "big"})
    )
    task_id = created["data"]["task_id"]
    call(base, "POST", f"/apigw/start_task/{task_id}/{BIZ}/")
    call(base, "POST", "/__mock__/clock", {"until_idle": True})
    status = call(base, "GET", f"/apigw/get_task_status/{task_id}/{BIZ}/")
    state = json.loads(status)["data"]
    assert state["state"] == "RUNNING" and len(state["children"]) >= 20, state["state"]
    listed = call(base, "GET", f"/apigw/get_template_list/{BIZ}/")
    assert len(json.loads(listed)["data"]) == 50
    create = call(base, "POST", f"/apigw/create_task/{BIG_TEMPLATE + 1}/{BIZ}/", {"name": "n"})
    new_id = json.loads(create)["data"]["task_id"]
    start = call(base, "POST", f"/apigw/start_task/{new_id}/{BIZ}/")
    return {
        "status_path": f"/apigw/get_task_status/{task_id}/{BIZ}/",
        f"GET /apigw/get_task_status/{task_id}/{BIZ}/": status.decode(),
        f"GET /apigw/get_template_list/{BIZ}/": listed.decode(),
        f"POST /apigw/create_task/{BIG_TEMPLATE + 1}/{BIZ}/": create.decode(),
        "POST /apigw/start_task/{task_id:int}/" + f"{BIZ}/": start.decode(),
    }


def workloads(recorded: dict[str, str]) -> list[loadgen.Workload]:
    return [
        loadgen.Workload(
            "get_task_status (RUNNING, 20 nodes)", [("GET", recorded["status_path"], None)]
        ),
        loadgen.Workload(
            "get_template_list (50 templates)", [("GET", f"/apigw/get_template_list/{BIZ}/", None)]
        ),
        loadgen.Workload(
            "create_task + start_task",
            [
                ("POST", f"/apigw/create_task/{BIG_TEMPLATE + 1}/{BIZ}/", '{"name": "load"}'),
                ("POST", f"/apigw/start_task/{{task_id}}/{BIZ}/", None),
            ],
        ),
    ]


def run_server(cmd: list[str], port: int) -> tuple[subprocess.Popen[bytes], float]:
    process = subprocess.Popen(pinned(cmd, 0), cwd=ROOT)
    return process, wait_ready(f"http://127.0.0.1:{port}/__mock__/health", process)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--generator", choices=["auto", "wrk", "builtin"], default="auto")
    parser.add_argument("--json", dest="json_out", default=None)
    parser.add_argument(
        "--only", default=None, help="run the workloads whose name contains this text"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sops-bench-"))
    fixture_file = tmp / "bench.json"
    fixture_file.write_text(json.dumps(build(), ensure_ascii=False), encoding="utf-8")

    mock_port, base_port = free_port(), free_port()
    mock_cmd = [
        sys.executable,
        "-m",
        "mockserver",
        "serve",
        "--clock",
        "virtual",
        "--port",
        str(mock_port),
        "--fixture",
        str(fixture_file),
        "--log-level",
        "warning",
    ]
    mock, mock_ready = run_server(mock_cmd, mock_port)
    mock_base = f"http://127.0.0.1:{mock_port}"
    try:
        recorded = prepare_mock(mock_base)
        record_file = tmp / "recorded.json"
        record_file.write_text(
            json.dumps({k: v for k, v in recorded.items() if " " in k}), encoding="utf-8"
        )
        baseline = subprocess.Popen(
            pinned(
                [sys.executable, "-m", "bench.baseline_app", str(record_file), str(base_port)], 0
            ),
            cwd=ROOT,
        )
        base_base = f"http://127.0.0.1:{base_port}"
        try:
            loadgen.wait_port(base_port, baseline)
            results = []
            generator = loadgen.pick(args.generator)
            chosen = [w for w in workloads(recorded) if args.only is None or args.only in w.name]
            if not chosen:
                parser.error(f"no workload name contains {args.only!r}")
            for workload in chosen:
                runs: dict[str, list[loadgen.Result]] = {"mock": [], "baseline": []}
                for _ in range(args.repeat):
                    for name, base, pid in (
                        ("baseline", base_base, baseline.pid),
                        ("mock", mock_base, mock.pid),
                    ):
                        runs[name].append(
                            loadgen.measured(
                                generator,
                                pid,
                                base,
                                workload,
                                args.connections,
                                args.duration,
                                HEADERS,
                            )
                        )
                results.append(loadgen.summarise(workload.name, runs))
        finally:
            baseline.terminate()
            baseline.wait()
    finally:
        mock.terminate()
        mock.wait()
    print(
        f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
        f"generator {generator.__name__}, {args.connections} connections, "
        f"{args.duration:g} s x {args.repeat} runs; mock ready in {mock_ready * 1000:.0f} ms"
    )
    print(loadgen.table(results))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
