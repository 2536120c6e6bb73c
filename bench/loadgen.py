"""Load generators for bench/http.py: wrk (with a Lua script) or a built-in asyncio client."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

Step = tuple[str, str, str | None]  # method, path ("{task_id}" filled from create answers), body


@dataclass(frozen=True)
class Workload:
    name: str
    steps: list[Step]


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    requests: int = 0
    # CPU time the server process spent per request (user + system), when it can be read
    cpu_us: float | None = None


Generator = Callable[[str, Workload, int, float, dict[str, str]], Result]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc), else None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        fields = text.rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(
    generator: Generator,
    pid: int,
    base: str,
    workload: Workload,
    connections: int,
    duration: float,
    headers: dict[str, str],
) -> Result:
    """One run of `generator`, with the server's CPU time per request added."""
    before = cpu_seconds(pid)
    result = generator(base, workload, connections, duration, headers)
    after = cpu_seconds(pid)
    if before is None or after is None or not result.requests:
        return result
    return replace(result, cpu_us=(after - before) / result.requests * 1e6)


def wait_port(port: int, process: subprocess.Popen[bytes]) -> None:
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)


def _pinned(cmd: list[str]) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", "1", *cmd]
    return cmd


def _lua(workload: Workload, headers: dict[str, str]) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    header_lines = "".join(f"wrk.headers[{quote(k)}] = {quote(v)}\n" for k, v in headers.items())
    if len(workload.steps) == 1:
        method, path, body = workload.steps[0]
        body_lua = quote(body) if body else "nil"
        call = f"wrk.format({quote(method)}, {quote(path)}, nil, {body_lua})"
        return header_lines + f"request = function() return {call} end\n"
    (cm, cp, cb), (sm, sp, _) = workload.steps
    before, after = sp.split("{task_id}")
    return (
        header_lines
        + f"""
local ready = {{}}
request = function()
  local id = table.remove(ready)
  if id then
    return wrk.format({quote(sm)}, {quote(before)} .. id .. {quote(after)}, nil, nil)
  end
  return wrk.format({quote(cm)}, {quote(cp)}, nil, {quote(cb or "")})
end
response = function(status, headers, body)
  local id = string.match(body, '"task_id":%s*(%d+)')
  if id then table.insert(ready, id) end
end
"""
    )


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}[unit]


def wrk(
    base: str, workload: Workload, connections: int, duration: float, headers: dict[str, str]
) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(workload, headers))
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--latency",
        "-s",
        script.name,
        base,
    ]
    out = subprocess.run(_pinned(cmd), capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # Anchored to the line: "Stdev" columns end in percentages too (a "63.50%" once matched).
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    count = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Result(rps, p50, p99, int(bad.group(1)) if bad else 0, count)


async def _connection(
    host: str,
    port: int,
    workload: Workload,
    headers: dict[str, str],
    until: float,
    latencies: list[float],
    bad: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    task_id = ""
    try:
        while time.perf_counter() < until:
            for method, path, body in workload.steps:
                if "{task_id}" in path:
                    if not task_id:
                        continue
                    path = path.replace("{task_id}", task_id)
                payload = (body or "").encode()
                request = (
                    f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{head}"
                    f"Content-Length: {len(payload)}\r\n\r\n"
                )
                sent = time.perf_counter()
                writer.write(request.encode() + payload)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                answer = await reader.readexactly(length)
                latencies.append(time.perf_counter() - sent)
                if not status_line.split()[1].startswith(b"2"):
                    bad.append(1)
                found = re.search(rb'"task_id":\s*(\d+)', answer)
                if found:
                    task_id = found.group(1).decode()
    finally:
        writer.close()


def builtin(
    base: str, workload: Workload, connections: int, duration: float, headers: dict[str, str]
) -> Result:
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    bad: list[int] = []

    async def run() -> None:
        until = time.perf_counter() + duration
        await asyncio.gather(
            *(
                _connection(host, int(port), workload, headers, until, latencies, bad)
                for _ in range(connections)
            )
        )

    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return Result(
        len(ordered) / elapsed,
        ordered[len(ordered) // 2] * 1000,
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        len(bad),
        len(ordered),
    )


def pick(name: str) -> Generator:
    if name == "wrk" or (name == "auto" and shutil.which("wrk")):
        return wrk
    return builtin


def summarise(name: str, runs: dict[str, list[Result]]) -> dict[str, Any]:
    def median(kind: str, field: str) -> float:
        return float(statistics.median(getattr(r, field) for r in runs[kind]))

    out: dict[str, Any] = {"workload": name}
    for kind in ("mock", "baseline"):
        out[kind] = {f: median(kind, f) for f in ("rps", "p50_ms", "p99_ms", "non_2xx")}
        out[kind]["runs_rps"] = [round(r.rps) for r in runs[kind]]
        cpu = [r.cpu_us for r in runs[kind] if r.cpu_us is not None]
        out[kind]["cpu_us"] = float(statistics.median(cpu)) if cpu else None
    out["ratio_rps"] = out["mock"]["rps"] / out["baseline"]["rps"]
    out["ratio_p99"] = out["mock"]["p99_ms"] / out["baseline"]["p99_ms"]
    mock_cpu, base_cpu = out["mock"]["cpu_us"], out["baseline"]["cpu_us"]
    # baseline CPU / mock CPU: the requests/s ratio when each server has a core to itself
    out["ratio_cpu"] = base_cpu / mock_cpu if mock_cpu and base_cpu else None
    return out


def table(results: list[dict[str, Any]]) -> str:
    def cpu(value: float | None, width: int, digits: int) -> str:
        return f"{value:{width}.{digits}f}" if value is not None else f"{'-':>{width}}"

    side = f"{'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'cpu us':>6}"
    ratios = f"{'req/s':>5} {'p99':>5} {'cpu':>5}"
    lines = [f"{'workload (mock | baseline | ratio)':36} {side} | {side} | {ratios}"]
    for r in results:
        m, b = r["mock"], r["baseline"]
        lines.append(
            f"{r['workload']:36} {m['rps']:7.0f} {m['p50_ms']:7.2f} {m['p99_ms']:7.2f} "
            f"{cpu(m['cpu_us'], 6, 0)} | "
            f"{b['rps']:7.0f} {b['p50_ms']:7.2f} {b['p99_ms']:7.2f} {cpu(b['cpu_us'], 6, 0)} | "
            f"{r['ratio_rps']:5.2f} {r['ratio_p99']:5.2f} {cpu(r['ratio_cpu'], 5, 2)}"
        )
    return "\n".join(lines)
