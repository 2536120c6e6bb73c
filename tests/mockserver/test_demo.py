"""`sops-mock demo`: the tour plays every scene and ends, in-process or against a served mock.

The tour's wall-time pacing goes through an injected `sleep` (recorded here, never slept); the
mock's virtual clock is what moves the tasks.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from rich.console import Console

from mockserver import cli, demo
from mockserver.demo_http import DemoHttp
from mockserver.running import RunningMock

SCENES = [
    "operate_task pause",
    "operate_task resume",
    "operate_task revoke",
    "a node FAILED: operate_node retry",
    "node_callback: the waiting node goes on",
]


def play(*argv: str) -> tuple[int, str, list[float]]:
    args = cli.parser().parse_args(["demo", *argv])
    out = io.StringIO()
    console = Console(file=out, width=140, force_terminal=False, color_system=None)
    naps: list[float] = []
    code = demo.run(args, console=console, sleep=naps.append)
    return code, out.getvalue(), naps


def _cells(line: str) -> list[str]:
    """The cells of one row of a rich table (empty cells kept)."""
    return [c.strip() for c in line.split("│")[1:-1]] if line.startswith("│") else []


def counts(output: str) -> dict[str, int]:
    """The query_task_count table at the end of the tour: code (or "total") -> tasks."""
    tail = output[output.index("query_task_count of business 2") :]
    found = {}
    for line in tail.splitlines():
        cells = _cells(line)
        if len(cells) == 3 and cells[2].isdigit():
            found[cells[0] or cells[1]] = int(cells[2])
    return found


def final_states(output: str) -> dict[str, str]:
    """Task name -> state, from the last frame of the live table."""
    frame = output[output.rindex("sops-mock tour") : output.index("query_task_count of")]
    states = {}
    for line in frame.splitlines():
        cells = _cells(line)
        if len(cells) == 6 and cells[2] in demo.STYLES:
            states[cells[0].split(" ", 1)[1]] = cells[2]
    return states


def test_the_tour_in_process_plays_every_scene_and_ends():
    code, output, naps = play("--pace", "0.25")
    assert code == 0, output
    assert re.search(r"dashboard: http://127\.0\.0\.1:\d+/__mock__/ui/", output)
    for scene in SCENES:
        assert scene in output
    assert final_states(output) == {
        "five steps": "FINISHED",
        "three regions": "FINISHED",
        "prod config": "FINISHED",
        "alerts": "FINISHED",
        "test env": "FINISHED",
        "db backup": "FINISHED",
        "waits": "FINISHED",
        "cancelled rollout": "REVOKED",
    }
    # A revoked task is not `finished` in bk-sops: it counts as executing.
    assert counts(output) == {"CREATED": 0, "EXECUTING": 1, "FINISHED": 7, "total": 8}
    # Every frame is paced once, at the asked pace, and the frames are bounded.
    assert naps and set(naps) == {0.25} and len(naps) < demo.MAX_FRAMES


def test_the_same_seed_plays_the_same_tour():
    first, second = play("--pace", "0")[1], play("--pace", "0")[1]
    strip = re.compile(r"127\.0\.0\.1:\d+")
    assert strip.sub("", first) == strip.sub("", second)


def test_the_tour_against_a_served_mock(sops_mock):
    code, output, _ = play("--url", sops_mock.base_url, "--pace", "0")
    assert code == 0, output
    assert f"dashboard: {sops_mock.base_url}/__mock__/ui/" in output
    assert counts(output)["total"] == 8
    created = sops_mock.journal(operation="create_task")
    assert len(created) == 8
    assert {entry["app_code"] for entry in created} == {"sops-mock-demo"}


def test_without_node_operations_the_failed_task_is_revoked(monkeypatch):
    # A mock with the 2018 doc's seven operations: no operate_node, no node_callback.
    seven = DemoHttp.ops

    def only_seven(self):
        return {k: v for k, v in seven(self).items() if k not in ("operate_node", "node_callback")}

    monkeypatch.setattr(DemoHttp, "ops", only_seven)
    code, output, _ = play("--pace", "0")
    assert code == 0, output
    assert "a node FAILED; no operate_node here: operate_task revoke" in output
    assert "waits" not in final_states(output)
    assert final_states(output)["db backup"] == "REVOKED"
    assert counts(output) == {"CREATED": 0, "EXECUTING": 2, "FINISHED": 5, "total": 7}


@pytest.mark.parametrize(
    ("credentials", "code"),
    [
        ((), 1),
        (("--app-code", "app_code", "--app-secret", "app_secret", "--username", "admin"), 0),
    ],
)
def test_strict_auth_needs_a_known_app_and_user(credentials, code):
    with RunningMock(auth="strict") as strict:
        result, output, _ = play("--url", strict.base_url, "--pace", "0", *credentials)
    assert result == code, output
    if code:
        assert "the tour stopped" in output and "bk_app_secret" in output


def test_a_guarded_control_api_needs_the_token():
    with RunningMock(control_token="t0ken") as guarded:
        refused, output, naps = play("--url", guarded.base_url, "--pace", "0")
        assert refused == 0
        assert "no control API answers" in output
        # The clock never moved, so the tasks did not either: the frames ran out.
        assert len(naps) == demo.MAX_FRAMES
        assert f"{demo.MAX_FRAMES} frames played" in output
        guarded.reset()
        token = ("--control-token", "t0ken")
        allowed, output, _ = play("--url", guarded.base_url, "--pace", "0", *token)
    assert allowed == 0 and "no control API answers" not in output
    assert counts(output) == {"CREATED": 0, "EXECUTING": 1, "FINISHED": 7, "total": 8}


def test_the_demo_command_ends_by_itself():
    # As a user runs it: a fresh interpreter, the packaged entry point, no pacing.
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "demo", "--pace", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "query_task_count of business 2" in done.stdout
    assert counts(done.stdout)["total"] == 8
