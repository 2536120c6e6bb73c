"""A node's plain log and a JOB instance's log, as text derived from the node's runs.

bamboo-pipeline keeps log lines per (node, version) and joins them with "\\n"
(pipeline/eri/runtime.py `get_plain_log_for_node`); bk-sops's "engine" formatter writes each as
`[%(asctime)s][%(levelname)s] %(message)s`. The mock has no plugin to log, so the lines say
what the run did: started, waited, finished or failed (with its ex_data), at the run's clock
readings. Same seed and calls: same text.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, tzinfo

from .models import NodeDetail, NodeRun
from .tree import ACTIVITY


def _stamp(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M:%S},{local.microsecond // 1000:03d}"


def _lines(detail: NodeDetail, run: NodeRun | NodeDetail, tz: tzinfo) -> list[str]:
    code, out = detail.component_code, []
    if run.start_time is not None:
        at = _stamp(run.start_time, tz)
        out.append(f"[{at}][INFO] {code} node({detail.id}) {detail.name} starts, loop {run.loop}")
        digest = hashlib.sha256(run.version.encode()).hexdigest()[:16]
        out.append(f"[{at}][INFO] {code} execution {digest} submitted")
    if run.finish_time is not None:
        at = _stamp(run.finish_time, tz)
        if run.ex_data:
            out.append(f"[{at}][ERROR] {code} failed: {run.ex_data}")
        elif run.skip:
            out.append(f"[{at}][INFO] {code} skipped")
        else:
            out.append(f"[{at}][INFO] {code} finished")
    return out


def plain_log(detail: NodeDetail, version: str | None, tz: tzinfo) -> str:
    """The log of the node's run `version` (its latest run when empty); "" when it has none."""
    if detail.type != ACTIVITY or detail.state is None:
        return ""
    if not version or version == detail.version:
        return "\n".join(_lines(detail, detail, tz))
    for run in detail.histories:
        if run.version == version:
            return "\n".join(_lines(detail, run, tz))
    return ""


def job_hosts(job_instance_id: int) -> list[str]:
    """The two hosts a simulated JOB instance ran on."""
    third = job_instance_id % 250
    return [f"10.0.{third}.1", f"10.0.{third}.2"]


def job_log(job_instance_id: int, ip: str) -> str:
    """What the simulated JOB instance printed on one host (its first step)."""
    digest = hashlib.sha256(f"{job_instance_id}:{ip}".encode()).hexdigest()
    return "\n".join(
        (
            f"[job {job_instance_id}] host {ip}: step 1 started",
            f"[job {job_instance_id}] host {ip}: checksum {digest[:32]}",
            f"[job {job_instance_id}] host {ip}: exit code 0",
        )
    )
