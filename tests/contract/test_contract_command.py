"""`sops-mock contract` as the README shows it, through the real entry point in child processes.

Against a served sops-mock and no credentials it calls as the default fixture's app and says so;
a URL that is malformed, unreachable, or not a mock without credentials stops it with exit 2
before the suite runs.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.commandline import clean_env, free_port, serving

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
README_EXAMPLE = "sops-mock contract --base-url http://127.0.0.1:8000"


def sops_mock(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=clean_env(),
    )


@pytest.fixture
def served_by_the_command() -> Iterator[str]:
    """`sops-mock serve` with its defaults (wall clock, lenient auth), on a free port."""
    port = free_port()
    with serving(["serve", "--port", str(port)], "Uvicorn running on"):  # once it listens
        yield f"http://127.0.0.1:{port}"


class NotAMock(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def not_a_mock() -> Iterator[str]:
    """An HTTP server that is not a sops-mock (404 everywhere)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotAMock)
    # shutdown() returns at the loop's next poll (0.5 s by default)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_the_readme_example_runs_green_against_a_served_mock(served_by_the_command):
    assert README_EXAMPLE in README
    argv = README_EXAMPLE.removeprefix("sops-mock ").replace(
        "http://127.0.0.1:8000", served_by_the_command
    )
    done = sops_mock(*argv.split(), timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "identity: no credentials given; the target is a sops-mock: calling as app code " in (
        done.stdout
    )
    assert "0 failing row(s)" in done.stdout
    progress = done.stdout.splitlines()[1]
    assert set(progress.split("[")[0].strip()) <= {".", "s"}, progress


def test_a_malformed_url_stops_before_the_run():
    for url in ("127.0.0.1:8000", "ftp://127.0.0.1/", "http://"):
        done = sops_mock("contract", "--base-url", url)
        assert done.returncode == 2, (url, done.stdout, done.stderr)
        assert done.stderr.strip().splitlines() == [
            f"sops-mock contract: error: --base-url {url!r} is not an http(s) URL: write e.g. "
            "http://127.0.0.1:8000"
        ]
        assert done.stdout == ""


def test_an_unreachable_url_stops_before_the_run():
    with socket.socket() as held:  # bound, not listening: connecting is refused
        held.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{held.getsockname()[1]}"
        done = sops_mock("contract", "--base-url", url)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"sops-mock contract: error: cannot reach {url} (")
    assert "is the server running?" in line


def test_no_credentials_for_a_target_that_is_not_a_mock(not_a_mock):
    done = sops_mock("contract", "--base-url", not_a_mock)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"sops-mock contract: error: no credentials for {not_a_mock}")
    for name in ("--app-code", "--app-secret", "--bk-username", "BK_APP_CODE", "BK_USERNAME"):
        assert name in line


@pytest.mark.slow  # a whole pytest start-up and collection of the suite
def test_under_plain_pytest_the_same_refusal_is_a_usage_error(not_a_mock):
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "contract_tests", "--base-url", not_a_mock, "-q"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=clean_env(),
    )
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert f"no credentials for {not_a_mock}" in done.stdout + done.stderr


def test_contract_help_describes_every_option_and_the_default_target():
    from contract_tests.cli import parser

    for action in parser()._actions:
        if action.option_strings and action.dest not in ("help", "planted_fault"):
            assert action.help, action.option_strings
    done = sops_mock("contract", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "in-process against the mock (the default)" in text
    assert "no credentials needed" in text
    assert "(default: $BK_APP_CODE)" in text and "(default: 20)" in text


def test_the_suite_runs_in_the_commands_own_process_under_the_projects_addopts(tmp_path):
    # pyproject.toml's addopts ask for pytest-xdist workers; the command's report is gathered
    # in its own process, so it turns them off (OneProcess in contract_tests/cli.py).
    report = tmp_path / "report.json"
    done = sops_mock(
        "contract", "-v", "-k", "stateful", "--scenarios", "1", "--json-report", str(report)
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "passed" in done.stdout and "[gw" not in done.stdout
    # Nor does pytest-randomly (where installed) reorder it: the order is part of the requests.
    assert "--randomly-seed" not in done.stdout
    rows = json.loads(report.read_text(encoding="utf-8"))["rows"]
    assert {row["test"] for row in rows} == {"stateful"}


def test_under_plain_pytest_a_report_asks_for_one_process(tmp_path):
    report = tmp_path / "report.json"
    argv = [sys.executable, "-m", "pytest", "contract_tests", "--contract-report", str(report)]
    argv += ["-k", "stateful", "--contract-scenarios", "1", "-q"]

    def run(workers: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*argv, "-n", workers],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            env=clean_env(),
        )

    refused = run("2")
    assert refused.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--contract-report gathers the report in one process: add -n 0" in refused.stderr
    assert not report.exists()
    done = run("0")
    assert done.returncode == pytest.ExitCode.OK, done.stdout[-2000:] + done.stderr[-2000:]
    assert json.loads(report.read_text(encoding="utf-8"))["rows"]
