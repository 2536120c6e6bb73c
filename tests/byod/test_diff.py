"""sops-mock diff between two served mocks: identical ones agree, a planted fault is found alone."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from byod.diffing.compare import Finding, compare
from byod.diffing.script import Run, Step
from mockserver.running import RunningMock


def diff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", "diff", "--template-id", "31", *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture
def pair() -> Iterator[tuple[RunningMock, RunningMock]]:
    with RunningMock() as a, RunningMock() as b:
        yield a, b


def test_identical_mocks_show_no_difference(pair, tmp_path: Path):
    a, b = pair
    report = tmp_path / "r.json"
    done = diff("--a", a.base_url, "--b", b.base_url, "--json", str(report))
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(report.read_text("utf-8"))
    assert document["differences"] == [] and document["steps"]["a"] > 20
    # The API gateway does not publish query_task_count: a real difference between families.
    on_gateway = diff("--a", a.base_url, "--b", b.gateway_url, "--json", str(report))
    assert on_gateway.returncode == 1
    found = json.loads(report.read_text("utf-8"))["differences"]
    assert {(f["step"], f["op"]) for f in found} == {("counts", "query_task_count")}
    # The script really ran on both: tasks were created, started and polled.
    for mock in pair:
        assert mock.journal_count(operation="create_task") >= 2
        assert mock.journal_count(operation="get_task_status") >= 3


def test_a_planted_fault_is_the_one_difference_found(pair, tmp_path: Path):
    a, b = pair
    fault = {"kind": "app_error", "code": 3599999, "message": "planted"}
    b.add_fault(operations=["query_task_count"], fault=fault)
    page, report = tmp_path / "r.html", tmp_path / "r.json"
    done = diff("--a", a.base_url, "--b", b.base_url, "--html", str(page), "--json", str(report))
    assert done.returncode == 1, done.stderr
    found = json.loads(report.read_text("utf-8"))["differences"]
    assert {f["step"] for f in found} == {"counts"}
    assert {f["op"] for f in found} == {"query_task_count"}
    kinds = {(f["kind"], f["where"]) for f in found}
    assert ("enum", "$.result") in kinds and ("shape.nullability", "$.data") in kinds
    assert ("shape.key", "$.message") in kinds
    text = page.read_text("utf-8")
    assert (
        "query_task_count" in text
        and "<script" not in text
        and "http" not in text.split("<body>")[1].replace(a.base_url, "").replace(b.base_url, "")
    )
    # The allow-file accepts exactly what it lists.
    allow = tmp_path / "allow.txt"
    allow.write_text("# the planted fault\n* | counts | *\n", encoding="utf-8")
    again = diff("--a", a.base_url, "--b", b.base_url, "--allow-file", str(allow))
    assert again.returncode == 0, again.stdout
    assert "0 not in the allow-file" in again.stdout


def test_a_changed_scenario_is_found_as_the_state_trace_alone(pair, tmp_path: Path):
    a, b = pair
    b.set_component_scenario("bk_display", {"duration": 4})  # the first node takes 4 s on B
    report = tmp_path / "r.json"
    done = diff("--a", a.base_url, "--b", b.base_url, "--json", str(report))
    assert done.returncode == 1, done.stderr
    [found] = json.loads(report.read_text("utf-8"))["differences"]
    assert (found["kind"], found["step"]) == ("trace", "main")
    a_trace, b_trace = found["a"], found["b"]
    # The first poll comes right after the start: both still wait in the start queue.
    assert a_trace[0] == b_trace[0] == "CREATED []"
    # B shows the first node running where A has already moved past it, then one step behind.
    assert b_trace[1].startswith("RUNNING [") and b_trace[1] not in a_trace
    assert b_trace[2] == a_trace[1] and b_trace[-1] == a_trace[-1]


def test_a_different_state_sequence_is_a_trace_difference():
    def run(states: list[str]) -> Run:
        return Run(
            steps=[Step("poll 0", "get_task_status", 200, {"data": {"state": "RUNNING"}})],
            traces={"main": states},
        )

    found = compare(run(["RUNNING", "FINISHED"]), run(["RUNNING", "FAILED"]))
    assert found == [
        Finding(
            "trace",
            "main",
            "get_task_status",
            "state sequence",
            ["RUNNING", "FINISHED"],
            ["RUNNING", "FAILED"],
        )
    ]


def test_volatile_values_are_normalised_by_reference():
    def run(task: int, trace: str, when: str) -> Run:
        body = {
            "data": {"task_id": task, "task_url": f"http://h/{task}", "start_time": when},
            "trace_id": trace,
        }
        return Run(steps=[Step("create main", "create_task", 200, body)], task_ids=[task])

    assert (
        compare(run(7, "ab" * 16, "2026-01-01 10:00:00"), run(99, "cd" * 16, "2027-02-02 01:00:00"))
        == []
    )
    # An id that is not the created task's is a value, kept: an enum-like key shows it.
    assert compare(run(7, "x", "t"), run(7, "x", "t")) == []


def test_a_missing_allow_file_is_one_line_and_exit_2(tmp_path: Path):
    done = diff(
        "--a",
        "http://127.0.0.1:9",
        "--b",
        "http://127.0.0.1:9",
        "--allow-file",
        str(tmp_path / "none"),
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("sops-mock diff: error: --allow-file")
