"""`sops-mock serve --store/--workers` refuse what cannot work in one line with exit code 2, and
`--state-file` seeds only an empty store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings
from mockserver.snapshot import save_file
from mockserver.store.sqlite import SQLiteStore
from tests.commandline import clean_env
from tests.mockserver.api import AUTH_HEADER


def serve(*flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", "1", *flags],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (("--workers", "2"), "--workers 2: each worker would hold its own mock"),
        (("--workers", "0"), "argument --workers"),
        (("--store", "postgres://x/y"), "'postgres://x/y' is not a store"),
        (("--store", "sqlite:///no/such/folder/mock.db"), "--store: sqlite:///no/such/folder"),
        (("--store", "sqlite:///mock.db?synchronous=sometimes"), "give normal or full"),
    ],
)
def test_a_store_that_cannot_work_is_one_line_and_exit_2(flags, says, tmp_path):
    done = serve(*flags)
    assert done.returncode == 2, done.stderr
    last = done.stderr.splitlines()[-1]  # argparse's own errors come after its usage lines
    assert last.startswith("sops-mock serve: error: ") and says in last, done.stderr


def test_a_second_mock_on_one_sqlite_file_is_refused(tmp_path):
    first = SQLiteStore(str(tmp_path / "mock.db"))
    try:
        done = serve("--store", f"sqlite:///{tmp_path}/mock.db")
    finally:
        first.close()
    assert done.returncode == 2
    assert "another sops-mock has this file open" in done.stderr


def test_the_state_file_seeds_an_empty_store_only(tmp_path: Path):
    seeded = create_app(Settings(seed=3))
    with TestClient(seeded) as client:
        client.post("/apigw/create_task/30/2/", json={"name": "from the file"}, headers=AUTH_HEADER)
    state = tmp_path / "state.json"
    save_file(seeded.state.mock, state)
    store = f"sqlite:///{tmp_path}/mock.db"

    def names() -> list[str]:
        app = create_app(Settings(store=store, state_file=str(state)))
        with TestClient(app) as client:
            listed = client.get("/apigw/get_task_list/2/", headers=AUTH_HEADER).json()["data"]
            if not listed:
                client.post("/apigw/create_task/30/2/", json={"name": "x"}, headers=AUTH_HEADER)
        return [task["name"] for task in listed]

    assert names() == ["from the file"]  # empty store: the file came in (and went to the store)
    state.write_text(json.dumps({"format": "not read"}))  # a store that holds a mock wins
    assert names() == ["from the file"]
