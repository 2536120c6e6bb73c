"""The contract suite proves it can fail: it reports each planted fault, and only on a faulty mock.

Each run is the whole suite through its command (`python -m contract_tests`) in a fresh
interpreter, in-process against a mock serving one fault of mockserver.planted (plus healthy
runs, and one read-only run over HTTP). The runs go two at a time, once per module, and each
test reads one run's JSON report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mockserver.planted import PLANTED_FAULTS
from mockserver.running import RunningMock
from mockserver.settings import Settings

# One worker runs the whole module: its runs (a module fixture) are two minutes of CPU.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("planted_faults")]

# fault -> (the check that must report it, the operation it shows on, or None for any)
CAUGHT_BY = {
    "missing_field": ("response_schema_conformance", "get_template_list"),
    "wrong_type": ("response_schema_conformance", "get_template_info"),
    "enum_value": ("response_schema_conformance", "get_task_status"),
    "result_code_mismatch": ("result_matches_code", None),
    "server_error": ("not_a_server_error", "get_template_list"),
    "illegal_transition": ("legal_transition", "operate_task"),
    "time_format": ("response_schema_conformance", None),
    "missing_trace_id": ("trace_id_header", None),
    "accept_invalid": ("invalid_input_refused", "get_template_list"),
    "refuse_valid": ("valid_input_accepted", "query_task_count"),
}
# A smaller budget than the default (coverage cases do not shrink with it), so that thirteen runs
# of the whole suite stay near two minutes on two cores.
BUDGET = ["--max-examples", "5", "--scenarios", "4"]
# name -> extra arguments of the command
RUNS = {
    "healthy": BUDGET,
    "healthy-again": BUDGET,
    "seed-1": [*BUDGET, "--seed", "1"],
    **{fault: [*BUDGET, "--planted-fault", fault] for fault in sorted(CAUGHT_BY)},
}
WORKERS = 2


def _run(scratch: Path, name: str, extra: list[str]) -> dict:
    report, junit = scratch / f"{name}.json", scratch / f"{name}.xml"
    command = [sys.executable, "-m", "contract_tests", "--json-report", str(report)]
    command += ["--junit-xml", str(junit), *extra]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    return {
        "code": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "report": json.loads(report.read_text()) if report.exists() else None,
        "junit": junit.read_text() if junit.exists() else "",
    }


@pytest.fixture(scope="module")
def served():
    """A mock served over HTTP for the read-only run (the only run that leaves the process)."""
    with RunningMock(Settings(clock="virtual")) as mock:
        yield mock


@pytest.fixture(scope="module")
def runs(tmp_path_factory, served):
    scratch = tmp_path_factory.mktemp("contract-runs")
    wire = [*BUDGET, "--base-url", served.base_url, "--app-code", "app", "--bk-username", "admin"]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {name: pool.submit(_run, scratch, name, extra) for name, extra in RUNS.items()}
        futures["read-only"] = pool.submit(_run, scratch, "read-only", wire)
        return {name: future.result() for name, future in futures.items()}


def failures(run: dict) -> set[tuple[str, str]]:
    assert run["report"] is not None, run["stderr"][-2000:]
    return {
        (row["failure"]["check"], row["operation"])
        for row in run["report"]["rows"]
        if row["failure"] is not None
    }


def test_every_planted_fault_has_a_catching_check():
    assert set(CAUGHT_BY) == PLANTED_FAULTS


@pytest.mark.parametrize("fault", sorted(CAUGHT_BY))
def test_the_suite_reports_the_planted_fault(runs, fault):
    run = runs[fault]
    check, operation = CAUGHT_BY[fault]
    found = failures(run)
    assert run["code"] == 1, run["stdout"][-3000:]
    assert any(c == check and operation in (None, op) for c, op in found), sorted(found)
    assert f"FAILED {check}" in run["stdout"]
    assert "reproduce: curl" in run["stdout"]
    assert f'type="{check}"' in run["junit"]


def test_the_healthy_mock_passes(runs):
    run = runs["healthy"]
    assert failures(run) == set(), run["stdout"][-3000:]
    assert run["code"] == 0, run["stdout"][-3000:] + run["stderr"][-3000:]
    rows = run["report"]["rows"]
    assert {row["outcome"] for row in rows} == {"passed"}
    assert run["junit"].count("<testcase ") == len(rows)


def test_same_seed_same_requests_other_seed_other_requests(runs):
    first, again, other = (runs[name]["report"] for name in ("healthy", "healthy-again", "seed-1"))
    assert first == again
    digests = {(row["test"], row["operation"]): row["digest"] for row in first["rows"]}
    others = {(row["test"], row["operation"]): row["digest"] for row in other["rows"]}
    common = digests.keys() & others.keys()
    assert ("stateless", "get_template_list") in common
    assert any(digests[key] != others[key] for key in common)


def test_a_read_only_run_over_http_changes_nothing(runs, served):
    run = runs["read-only"]
    assert run["code"] == 0, run["stdout"][-3000:] + run["stderr"][-3000:]
    rows = run["report"]["rows"]
    assert sum(row["cases"] for row in rows) > 0
    skipped = {row["test"] for row in rows if row["outcome"] == "skipped"}
    assert {"test_mutating_operation", "test_task_workflow"} <= skipped
    assert served.app.state.mock.engine.tasks() == []
