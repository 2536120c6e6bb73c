"""sops-mock fixtures import against a served mock, then the result served: the same reads."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from byod.client import ApiClient
from byod.importer import import_deployment
from contract_tests.target import Credentials
from mockserver.running import RunningMock
from tests.commandline import clean_env

SECRET = "S3CRET-not-to-be-written"
CREDS = Credentials(app_code="byod_app", app_secret=SECRET, username="admin")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI with no credentials from this process's environment (CI exports some)."""
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean_env(), **(env or {})},
    )


def template_reads(base_url: str) -> dict[str, Any]:
    """Every template read of a target, without trace ids."""
    out: dict[str, Any] = {}
    with ApiClient(base_url, CREDS, scope="project") as client:
        for project in client.data("get_user_project_list"):
            ids = {"bk_biz_id": project["project_id"]}
            listing = client.data("get_template_list", ids)
            out[f"list/{project['project_id']}"] = listing
            for row in listing:
                for unfold in (False, True):
                    out[f"info/{row['id']}/{unfold}"] = client.data(
                        "get_template_info",
                        {"template_id": row["id"], **ids},
                        unfold_subprocess=unfold,
                    )
        commons = client.data("get_common_template_list")
        out["commons"] = commons
        for row in commons:
            out[f"common/{row['id']}"] = client.data(
                "get_common_template_info", {"template_id": row["id"]}
            )
    return out


@pytest.fixture(scope="module")
def source() -> Iterator[RunningMock]:
    with RunningMock() as mock:
        yield mock


def test_import_then_serve_gives_the_same_template_reads(source, tmp_path: Path):
    out = tmp_path / "imported.json"
    done = run_cli(
        "fixtures",
        "import",
        "--base-url",
        source.gateway_url,
        "--out",
        str(out),
        "--app-code",
        "byod_app",
        "--app-secret",
        SECRET,
        "--bk-username",
        "admin",
        "--no-progress",
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text("utf-8")
    assert SECRET not in text and SECRET not in done.stdout and SECRET not in done.stderr
    assert not (tmp_path / "imported.json.partial").exists()
    fixture = json.loads(text)
    assert fixture["apps"] == [] and fixture["users"] == []
    # Everything of the default fixture can be imported: nothing is skipped.
    assert "Skipped: 0" in done.stdout
    assert "common template 10002: subprocess tree not in the answer" in done.stdout
    before = template_reads(source.base_url)
    with RunningMock(fixture=str(out)) as served:
        after = template_reads(served.base_url)
    assert after.keys() == before.keys()
    for key, value in before.items():
        assert after[key] == value, key
    assert len(fixture["templates"]) == 13 and len(fixture["common_templates"]) == 2


def test_a_stopped_import_continues_from_its_checkpoint(source, tmp_path: Path):
    out = tmp_path / "partial.json"

    class Stop(Exception):
        pass

    ticks = []

    def stop_after_five(what: str) -> None:
        ticks.append(what)
        if len(ticks) == 5:
            raise Stop

    with ApiClient(source.base_url, CREDS, scope="project") as client:
        with pytest.raises(Stop):
            import_deployment(client, out, [], stop_after_five, lambda n: None)
        checkpoint = tmp_path / "partial.json.partial"
        assert checkpoint.is_file() and not out.exists()
        assert SECRET not in checkpoint.read_text("utf-8")
        source.clear_journal()
        fixture, summary = import_deployment(client, out, [], lambda w: None, lambda n: None)
    assert summary.resumed >= 4
    # The answers already read are not asked again.
    assert source.journal_count(operation="get_user_project_list") == 0
    with ApiClient(source.base_url, CREDS, scope="project") as client:
        whole, _ = import_deployment(
            client, tmp_path / "whole.json", [], lambda w: None, lambda n: None
        )
    assert fixture == whole
    assert not checkpoint.exists()


def test_a_plugin_without_a_scenario_default_is_listed(source, tmp_path: Path):
    out = tmp_path / "one.json"
    with ApiClient(source.base_url, CREDS, scope="project") as client:
        fixture, summary = import_deployment(client, out, [2], lambda w: None, lambda n: None)
    assert [p["bk_biz_id"] for p in fixture["projects"]] == [2]
    listed = {what for what, why in summary.defaulted if "generic default" in why}
    from byod.convert import component_codes
    from byod.importer import scenario_book

    codes = set().union(*(component_codes(t["pipeline_tree"]) for t in fixture["templates"]))
    assert listed == {f"plugin {code}" for code in codes - set(scenario_book())}
    assert set(fixture["scenario_defaults"]) <= codes


def test_a_bad_base_url_is_one_line_and_exit_2(tmp_path: Path):
    done = run_cli("fixtures", "import", "--base-url", "ftp://x", "--out", str(tmp_path / "x"))
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("sops-mock fixtures import: error: argument --base-url:")


def test_secrets_in_the_url_are_not_written_and_unknown_projects_are_listed(source, tmp_path: Path):
    out = tmp_path / "u.json"
    with_user = source.base_url.replace("http://", f"http://someone:{SECRET}@")
    done = run_cli(
        "fixtures", "import", "--base-url", with_user, "--out", str(out), "--bk-biz-id", "2",
        "--bk-biz-id", "77", "--no-progress",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = out.read_text("utf-8")
    assert SECRET not in text and "someone" not in text and SECRET not in done.stdout
    assert "bk_biz_id 77: not among the calling user's projects" in done.stdout
    assert [p["bk_biz_id"] for p in json.loads(text)["projects"]] == [2]


@pytest.mark.parametrize(
    "env",
    [{}, {"BK_APP_CODE": "a", "BK_APP_SECRET": "b", "BK_USERNAME": "c"}],
    ids=["no-credentials", "credentials-from-env"],
)
def test_an_unreachable_target_is_one_line_without_the_password(
    tmp_path: Path, env: dict[str, str]
):
    # Held bound, not listening, for the whole call: connecting is refused, and no server
    # started meanwhile (by a parallel test) can take the port.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        url = f"http://someone:{SECRET}@127.0.0.1:{port}"
        out = tmp_path / "x.json"
        done = run_cli("fixtures", "import", "--base-url", url, "--out", str(out), env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("sops-mock fixtures import: error: ")
    assert f"cannot reach http://127.0.0.1:{port}" in done.stderr
    assert done.stderr.count("\n") == 1 and SECRET not in done.stderr
    assert not out.exists()
