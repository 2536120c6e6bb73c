"""sops-mock record in front of a served mock: the journal keeps no credential, and the compiled
fixture replayed in a fresh mock goes through the same states at the same clock readings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

import fixtures
from byod.client import ApiClient
from byod.record.compile import compile_journal
from byod.record.journal import Journal, read
from byod.record.proxy import RecordingProxy
from contract_tests.target import Credentials
from mockserver.running import RunningMock

SECRET = "S3CRET-of-the-caller"
CREDS = Credentials(app_code="rec_app", app_secret=SECRET, username="admin")
TEMPLATE = 31


@contextmanager
def proxy(upstream: str, journal: Journal) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        RecordingProxy(upstream, journal), log_level="warning", lifespan="on", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def flow(client: ApiClient, advance: Any) -> list[tuple[int, str, tuple[tuple[str, str], ...]]]:
    """Read, create, start, poll once a virtual second until the task settles; the states."""
    client.data("get_user_project_list")
    client.data("get_template_info", {"template_id": TEMPLATE, "bk_biz_id": 2})
    task = client.data(
        "create_task", {"template_id": TEMPLATE, "bk_biz_id": 2}, name="rec", constants={}
    )["task_id"]
    client.data("start_task", {"task_id": task, "bk_biz_id": 2})
    seen = []
    for second in range(60):
        status = client.data("get_task_status", {"task_id": task, "bk_biz_id": 2})
        nodes = tuple(
            sorted((c["name"], c["state"]) for c in status["children"].values() if c["name"])
        )
        seen.append((second, status["state"], nodes))
        if status["state"] in ("FINISHED", "FAILED"):
            for node_id, child in status["children"].items():
                if child["state"] == "FAILED":
                    client.call(
                        "get_task_node_detail",
                        {"task_id": task, "bk_biz_id": 2},
                        {"node_id": node_id},
                    )
            break
        advance(1)
    return seen


def test_a_recording_replays_with_the_same_states_at_the_same_readings(tmp_path: Path):
    journal_path = tmp_path / "journal.jsonl"
    journal = Journal(journal_path).open()
    with RunningMock() as upstream:
        # Timings the packaged scenarios do not have, so the replay can only match by recording.
        upstream.set_component_scenario("bk_display", {"duration": 4})
        upstream.set_component_scenario(
            "job_fast_execute_script", {"duration": 6, "outcome": "fail", "ex_data": "disk full"}
        )
        gateway = "/api/bk-sops/prod"
        with proxy(upstream.base_url, journal) as url, ApiClient(url + gateway, CREDS) as client:
            recorded = flow(client, upstream.advance)
    journal.close()
    text = journal_path.read_text("utf-8")
    assert SECRET not in text and "rec_app" not in text
    assert "X-Bkapi-Authorization".lower() not in text.lower()
    entries = read(journal_path)
    assert [e["op"] for e in entries[:4]] == [
        "get_user_project_list", "get_template_info", "create_task", "start_task",
    ]  # fmt: skip
    assert recorded[-1][1] == "FAILED" and len(recorded) > 8

    fixture, summary = compile_journal(entries)
    template = next(t for t in fixture["templates"] if t["id"] == TEMPLATE)
    outcomes = sorted((s["outcome"], s["duration"]) for s in template["scenarios"].values())
    assert ("fail", 6.0) in outcomes and ("succeed", 4.0) in outcomes
    assert any(s.get("ex_data") == "disk full" for s in template["scenarios"].values())
    assert summary.imported["tasks"] == ["1"]
    path = tmp_path / "fixture.json"
    path.write_text(fixtures.dump(fixture), encoding="utf-8")
    with RunningMock(fixture=str(path)) as replay, ApiClient(replay.base_url, CREDS) as client:
        assert flow(client, replay.advance) == recorded


def test_record_refuses_a_file_as_its_folder(tmp_path: Path):
    taken = tmp_path / "file"
    taken.write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "record", "--upstream", "http://127.0.0.1:9",
         "--out", str(taken)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr.strip() == f"sops-mock record: error: --out {taken}: is a file; name a folder"
    )


def test_the_record_command_journals_and_compiles_on_interrupt(tmp_path: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "rec"
    with RunningMock() as upstream:
        child = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "record", "--upstream", upstream.base_url,
             "--port", str(port), "--out", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            assert child.stdout is not None
            assert child.stdout.readline().startswith(f"Recording: http://127.0.0.1:{port} ->")
            with ApiClient(f"http://127.0.0.1:{port}", CREDS) as client:
                client.data("get_template_info", {"template_id": TEMPLATE, "bk_biz_id": 2})
            # What Ctrl-C in a terminal does: SIGINT to the command and the child it runs.
            os.killpg(child.pid, signal.SIGINT)
            rest, errors = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 0, errors
    assert "templates: 1" in rest
    compiled = fixtures.load(str(out / "fixture.json"))
    assert [t["id"] for t in compiled["templates"]] == [TEMPLATE]
    assert SECRET not in (out / "journal.jsonl").read_text("utf-8")
