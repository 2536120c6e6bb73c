"""The sops-mock command line: openapi, fixtures generate, and serving."""

from __future__ import annotations

import json
import subprocess
import sys

from mockserver.cli import main


def test_openapi_prints_the_generated_document(capsys):
    assert main(["openapi"]) == 0
    document = json.loads(capsys.readouterr().out)
    operation_ids = {
        op["operationId"] for path in document["paths"].values() for op in path.values()
    }
    assert {"create_task", "get_task_status", "query_task_count"} <= operation_ids


def test_fixtures_generate_is_deterministic(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["fixtures", "generate", "--seed", "4", "--templates", "3", "-o", str(first)]) == 0
    assert main(["fixtures", "generate", "--seed", "4", "--templates", "3", "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert len(json.loads(first.read_text())["templates"]) == 3


def test_python_dash_m_mockserver_knows_the_serve_flags():
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--help"], capture_output=True, text=True, check=True
    )
    for flag in ("--clock", "--speed", "--seed", "--fixture", "--auth", "--validate-responses"):
        assert flag in done.stdout
