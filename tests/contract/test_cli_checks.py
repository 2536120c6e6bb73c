"""`schemathesis run` loads the suite's bk-sops checks through its hooks and fails on their faults.

Each run is the schemathesis command in a fresh interpreter (`SCHEMATHESIS_HOOKS` names
contract_tests.cli_checks) against a mock served on a free 127.0.0.1 port. A check name the
hooks did not register is refused by the command line itself, so a healthy run that passes
`--checks` with the suite's names proves they were loaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contract_tests import cli_checks
from mockserver.running import RunningMock
from mockserver.settings import Settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent
OURS = [check.__name__ for check in cli_checks.REGISTERED]
AUTH = '{"bk_app_code": "cli", "bk_app_secret": "x", "bk_username": "admin"}'


def schemathesis_run(
    mock: RunningMock, config: Path, operation: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert command is not None
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "contract_tests.cli_checks",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "NO_COLOR": "1",
    }
    arguments = [
        command,
        "--config-file",
        str(config),
        "run",
        f"{mock.base_url}/openapi.json",
        "--include-operation-id",
        operation,
        "--checks",
        ",".join(["not_a_server_error", *OURS]),
        "--max-examples",
        "10",
        "--seed",
        "3",
        "--phases",
        "examples,fuzzing",
        "--no-color",
        "--header",
        f"X-Bkapi-Authorization: {AUTH}",
        *extra,
    ]
    return subprocess.run(
        arguments, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """Ids of the default fixture's data, so that cases reach past the project lookup."""
    path = tmp_path / "schemathesis.toml"
    path.write_text('[parameters]\n"path.bk_biz_id" = 2\n"path.template_id" = 30\n')
    return path


def served(*faults: str) -> RunningMock:
    return RunningMock(Settings(clock="virtual", planted_faults=frozenset(faults)))


def test_the_cli_runs_the_suites_checks_and_a_healthy_mock_passes(config):
    with served() as mock:
        run = schemathesis_run(mock, config, "get_template_list")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Custom check failed" not in run.stdout


@pytest.mark.parametrize(
    ("fault", "operation", "check", "mode"),
    [
        ("missing_trace_id", "get_template_list", "trace_id_header", "all"),
        ("result_code_mismatch", "get_template_info", "result_matches_code", "all"),
        ("accept_invalid", "get_template_list", "invalid_input_refused", "negative"),
    ],
)
def test_the_cli_reports_a_planted_fault_by_the_suites_check(config, fault, operation, check, mode):
    with served(fault) as mock:
        run = schemathesis_run(mock, config, operation, "--mode", mode)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert f"Custom check failed: `{check}`" in run.stdout
