"""The sops-mock command line, run as a user runs it: the real entry point in a child process.

Every bad start-up input must end in one line on stderr naming the flag and the fix, exit code 2
and no traceback; every option is described in its help, with its default.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver import cli
from mockserver.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def sops_mock(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`sops-mock ARGS` in a child interpreter (PYTHONPATH inherited)."""
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd or ROOT,
    )


def error_line(done: subprocess.CompletedProcess[str], command: str) -> str:
    """The one error line of a refused start (argparse may print its usage above it)."""
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    prefix = f"sops-mock {command}: error: "
    assert lines[-1].startswith(prefix), lines
    # Nothing but argparse's usage block comes before it.
    assert all(line.startswith(("usage:", " ")) for line in lines[:-1]), lines
    return lines[-1].removeprefix(prefix)


@pytest.fixture(scope="module")
def closed_port() -> Iterator[int]:
    """A port bound by nobody that listens: connecting to it is refused at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    (folder / "malformed.json").write_text("{not json", encoding="utf-8")
    (folder / "wrong-shape.json").write_text('{"projects": 3}', encoding="utf-8")
    (folder / "list.json").write_text("[]", encoding="utf-8")
    (folder / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (folder / "a-file").write_text("", encoding="utf-8")
    (folder / "state.json").write_text('{"format": "something else"}', encoding="utf-8")
    (folder / "a-folder").mkdir()
    return folder


# (arguments, the command named in the error, a fragment the error line must hold)
REFUSED = [
    (["serve", "--fixture", "missing.json"], "serve", "--fixture: fixture 'missing.json'"),
    (["serve", "--fixture", "{d}/malformed.json"], "serve", "not JSON"),
    (["serve", "--fixture", "{d}/wrong-shape.json"], "serve", "is invalid at $"),
    (["serve", "--fixture", "{d}/list.json"], "serve", "is invalid at $"),
    (["serve", "--fixture", "{d}/binary.json"], "serve", "--fixture"),
    (["serve", "--speed", "0"], "serve", "argument --speed: 0 is not above zero"),
    (["serve", "--speed", "-2"], "serve", "argument --speed: -2 is not above zero"),
    (["serve", "--speed", "nan"], "serve", "argument --speed: 'nan' is not a finite number"),
    (["serve", "--speed", "inf"], "serve", "argument --speed: 'inf' is not a finite number"),
    (["serve", "--speed", "fast"], "serve", "argument --speed: 'fast' is not a number"),
    (["serve", "--clock", "virtual", "--speed", "2"], "serve", "--speed applies to the wall"),
    (["serve", "--start", "2026-01-05T10:00:00+08:00"], "serve", "--start applies to the virt"),
    (["serve", "--clock", "virtual", "--start", "monday"], "serve", "not an ISO 8601 time"),
    (
        ["serve", "--clock", "virtual", "--start", "2026-01-05T10:00:00"],
        "serve",
        "has no UTC offset: add one, e.g. 2026-01-05T10:00:00+08:00",
    ),
    (["serve", "--journal-size", "-1"], "serve", "argument --journal-size: -1 is out of range"),
    (["serve", "--log-level", "bogus"], "serve", "argument --log-level: invalid choice: 'bogus'"),
    (["serve", "--port", "99999"], "serve", "argument --port: 99999 is out of range"),
    (["serve", "--port", "0"], "serve", "give from 1 to 65535"),
    (["serve", "--max-body-bytes", "-5"], "serve", "argument --max-body-bytes: -5 is out of"),
    (["serve", "--max-header-bytes", "10"], "serve", "give at least 1024"),
    (["serve", "--timeout-header", "0"], "serve", "argument --timeout-header: 0 is not above"),
    (["serve", "--timeout-keep-alive", "-1"], "serve", "argument --timeout-keep-alive"),
    (["serve", "--limit-concurrency", "0"], "serve", "argument --limit-concurrency: 0 is out"),
    (["serve", "--app-host", "example.com"], "serve", "is not an http(s) URL"),
    (["serve", "--control-token", ""], "serve", "argument --control-token: an empty value"),
    (["serve", "--state-file", "{d}/missing/s.json"], "serve", "missing does not exist; create"),
    (["serve", "--state-file", "{d}/a-file/s.json"], "serve", "is a file, not a folder"),
    (["serve", "--state-file", "{d}/a-folder"], "serve", "is a folder; name a file in it"),
    (["serve", "--state-file", "{d}/malformed.json"], "serve", "not JSON"),
    (["serve", "--state-file", "{d}/state.json"], "serve", "format must be"),
    (["demo", "--pace", "-1"], "demo", "argument --pace: -1 is negative: give 0 or more"),
    (["demo", "--url", "localhost:8000"], "demo", "is not an http(s) URL"),
    (["demo", "--url", "http://127.0.0.1:{port}"], "demo", "cannot reach http://127.0.0.1:"),
    (["fixtures", "generate", "-o", "{d}/missing/f.json"], "fixtures generate", "cannot write"),
    (["fixtures", "generate", "--templates", "0"], "fixtures generate", "out of range"),
]


@pytest.mark.parametrize(("argv", "command", "fragment"), REFUSED, ids=lambda v: str(v))
def test_a_bad_start_up_input_is_one_line_and_exit_2(
    argv, command, fragment, bad_files, closed_port
):
    args = [a.format(d=bad_files, port=closed_port) for a in argv]
    line = error_line(sops_mock(*args), command)
    assert fragment.format(d=bad_files) in line


def _read_only_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write in: chmod 500, or (for root) sysfs."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        folder = tmp_path / "ro"
        folder.mkdir(mode=0o500)
        return folder
    sysfs = Path("/sys")
    if sysfs.is_dir() and not os.access(sysfs, os.W_OK | os.X_OK):
        return sysfs
    try:
        (sysfs / ".sops-mock-probe").open("xb").close()
    except OSError:
        return sysfs
    (sysfs / ".sops-mock-probe").unlink()
    pytest.skip("no folder here refuses writes to root")


def test_a_state_file_in_a_read_only_folder_is_refused(tmp_path):
    folder = _read_only_folder(tmp_path)
    line = error_line(sops_mock("serve", "--state-file", str(folder / "s.json")), "serve")
    assert f"cannot write in {folder}" in line and "choose a writable folder" in line


def test_state_file_check_leaves_nothing_behind(tmp_path):
    cli.check_state_file(tmp_path / "state.json")
    assert list(tmp_path.iterdir()) == []


def test_python_dash_m_mockserver_knows_the_serve_flags():
    done = sops_mock("--help")
    assert done.returncode == 0
    for flag in ("--clock", "--speed", "--seed", "--fixture", "--auth", "--validate-responses"):
        assert flag in done.stdout


def test_version():
    done = sops_mock("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"sops-mock {cli.version()}")
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", cli.version())


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found.update({f"{name} {k}": v for k, v in _subparsers(sub).items()})
    return found


COMMAND_HELPS = ["serve", "demo", "fixtures generate"]


@pytest.mark.parametrize("command", COMMAND_HELPS)
def test_every_option_is_described_with_its_default(command):
    sub = _subparsers(cli.parser())[command]
    done = sops_mock(*command.split(), "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for action in sub._actions:
        if not action.option_strings or action.dest == "help":
            continue
        assert action.help, f"{command} {action.option_strings[0]} has no description"
        default = action.default
        if default is not None and default is not False:
            assert f"(default: {default})" in text, (command, action.option_strings)


def test_top_level_help_names_every_command_and_the_contract_default():
    done = sops_mock("--help")  # python -m mockserver --help is serve's; ask the root parser
    root = subprocess.run(
        [sys.executable, "-c", "from mockserver.cli import main; main(['--help'])"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0 and root.returncode == 0
    text = " ".join(root.stdout.split())
    for command in cli.COMMANDS:
        assert command in text
    assert "in-process against the mock by default, or against --base-url" in text
    assert "--version" in text


def test_fixtures_generate_help_says_where_it_writes():
    text = " ".join(sops_mock("fixtures", "generate", "--help").stdout.split())
    assert "to standard output, or to the file -o names" in text
    assert "(default: standard output)" in text


def test_every_serve_flag_is_in_the_readme_flags_table():
    table = README[README.index("## Flags of `sops-mock serve`") :]
    table = table[: table.index("\n\n", table.index("| flag |"))]
    serve = _subparsers(cli.parser())["serve"]
    for action in serve._actions:
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                assert f"`{option}" in table, option


def test_serve_flags_reach_the_settings():
    args = cli.parser().parse_args(
        [
            "serve",
            *("--timeout-keep-alive", "7", "--timeout-header", "3"),
            *("--max-header-bytes", "4096", "--limit-concurrency", "50"),
            *("--clock", "virtual", "--start", "2026-02-01T00:00:00+00:00"),
        ]
    )
    settings = cli.settings_from(args)
    assert (settings.timeout_keep_alive, settings.timeout_header) == (7.0, 3.0)
    assert (settings.max_header_bytes, settings.limit_concurrency) == (4096, 50)
    assert settings.start.isoformat() == "2026-02-01T00:00:00+00:00"
    defaults = cli.settings_from(cli.parser().parse_args(["serve"]))
    assert defaults.speed == 1.0 and defaults.limit_concurrency == Settings().limit_concurrency


def test_openapi_prints_the_generated_document():
    done = sops_mock("openapi")
    document = json.loads(done.stdout)
    operation_ids = {
        op["operationId"] for path in document["paths"].values() for op in path.values()
    }
    assert {"create_task", "get_task_status", "query_task_count"} <= operation_ids


def test_fixtures_generate_is_deterministic(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    argv = ["fixtures", "generate", "--seed", "4", "--templates", "3"]
    assert cli.main([*argv, "-o", str(first)]) == 0
    out = sops_mock(*argv)
    second.write_text(out.stdout, encoding="utf-8")
    assert first.read_bytes() == second.read_bytes()
    assert len(json.loads(first.read_text())["templates"]) == 3
