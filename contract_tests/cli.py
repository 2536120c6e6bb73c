"""`python -m contract_tests` (and `sops-mock contract`): run the suite, print the table, report.

The suite runs under pytest in this process; its JSON report becomes the per-operation table,
the JUnit XML and the exit code: 0 when every check passed, 1 on any failure, 2 on a usage or
collection error, an unusable --base-url (malformed, unreachable) or missing credentials for a
target that is not a sops-mock (those are checked before the suite starts).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from .report import junit_xml, load, table
from .target import (
    CREDENTIAL_SOURCES,
    FAMILIES,
    Credentials,
    TargetError,
    check_base_url,
    probe_mock,
    resolve_credentials,
)

PACKAGE_DIR = Path(__file__).resolve().parent
# Options handed to pytest as they are (the suite's own names, see options.py).
PASSED_THROUGH = (
    "family",
    "app_code",
    "app_secret",
    "bk_token",
    "access_token",
    "bk_username",
    "bk_biz_id",
    "scope",
    "template_id",
    "task_id",
    "control_token",
    "poll_timeout",
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sops-mock contract",
        description="Run the bk-sops contract suite in-process against the mock (the default), "
        "or against --base-url: a served sops-mock (no credentials needed: the suite calls as "
        "the default fixture's app) or a bk-sops deployment (credentials required). Exit code "
        "0: every check passed; 1: a check failed; 2: the suite could not run.",
    )
    p.add_argument(
        "--base-url",
        default=None,
        help="gateway, backend or ESB URL of a running mock or bk-sops (see README; default: "
        "the mock in-process)",
    )
    p.add_argument(
        "--family",
        choices=("auto", *FAMILIES),
        default="auto",
        help="URL style of --base-url (default: detected from its path)",
    )
    for option, env, name in CREDENTIAL_SOURCES:
        what = name.replace("_", " ").replace("username", "user name")
        p.add_argument(option, help=f"{what} to call as (default: ${env})")
    p.add_argument("--bk-biz-id", type=int, help="project to aim at (default: 2)")
    p.add_argument("--scope", help="what --bk-biz-id means: cmdb_biz (default) or project")
    p.add_argument(
        "--template-id",
        type=int,
        help="template to create tasks from (default: the first one the project lists)",
    )
    p.add_argument(
        "--task-id", type=int, help="an existing task for read-only checks (default: none)"
    )
    p.add_argument(
        "--allow-destructive",
        action="store_true",
        help="create and operate tasks on --base-url (always on in-process)",
    )
    p.add_argument(
        "--control-token",
        help="bearer token of the mock's /__mock__/ API (default: $SOPS_MOCK_CONTROL_TOKEN)",
    )
    p.add_argument(
        "--poll-timeout", type=float, help="seconds to wait for a task to finish (default: 120)"
    )
    p.add_argument("--seed", type=int, default=0, help="same seed, same requests (default: 0)")
    p.add_argument("--max-examples", type=int, help="generated cases per operation (default: 20)")
    p.add_argument("--scenarios", type=int, help="state-machine scenarios (default: 12)")
    p.add_argument("--junit-xml", help="write JUnit XML here (default: none)")
    p.add_argument("--json-report", help="write the JSON report here (default: none)")
    p.add_argument("--planted-fault", action="append", default=[], help=argparse.SUPPRESS)
    p.add_argument(
        "-k", dest="keyword", help="pytest -k expression to run part of the suite (default: all)"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's own output")
    return p


def pytest_args(args: argparse.Namespace, report_path: str) -> list[str]:
    # The package directory itself (not --pyargs), so that its conftest defines the options.
    out = [str(PACKAGE_DIR), "-p", "no:cacheprovider", "--contract-report", report_path]
    # Same seed, same requests: the tests share one mock, so their order is part of what is
    # sent, and pytest-randomly (where installed) would shuffle it and reseed `random`.
    out += ["-p", "no:randomly"]
    # This command imported the package before pytest could rewrite its asserts: say it is fine.
    out += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    out += ["--contract-seed", str(args.seed)]
    out += ["-rN", "--tb=short"] if args.verbose else ["-q", "-q", "-rN", "--tb=no"]
    if args.base_url:
        out += ["--base-url", args.base_url]
    for name in PASSED_THROUGH:
        value = getattr(args, name)
        if value is not None:
            out += [f"--{name.replace('_', '-')}", str(value)]
    if args.allow_destructive:
        out.append("--allow-destructive")
    if args.max_examples is not None:
        out += ["--contract-max-examples", str(args.max_examples)]
    if args.scenarios is not None:
        out += ["--contract-scenarios", str(args.scenarios)]
    for fault in args.planted_fault:
        out += ["--planted-fault", fault]
    if args.keyword:
        out += ["-k", args.keyword]
    return out


class ProgressMarks:
    """One mark per test on the progress line: schemathesis adds a `u` per operation (a pytest
    sub-test) when pytest is quiet; a passed one is dropped and a failed one shows as F."""

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: Any, config: Any) -> Any:
        status = yield
        if status and status[1] == "u":
            category, _, word = status
            return (category, "F", word) if report.failed else ("", "", "")
        return status


class OneProcess:
    """The suite's report is gathered in this process: no pytest-xdist workers, even where the
    project's addopts ask for them (a source checkout's pyproject.toml runs `-n auto`)."""

    def pytest_load_initial_conftests(
        self, early_config: pytest.Config, parser: pytest.Parser, args: list[str]
    ) -> None:
        if early_config.pluginmanager.hasplugin("xdist"):
            args += ["-n", "0"]  # after the addopts: the last one given wins


def preflight(args: argparse.Namespace) -> str:
    """Check --base-url and the credentials before the suite starts; raises TargetError."""
    if args.base_url is None:
        return "the mock, in-process"
    check_base_url(args.base_url)
    values = {}
    for option, env, name in CREDENTIAL_SOURCES:
        values[name] = getattr(args, option.lstrip("-").replace("-", "_")) or os.environ.get(
            env, ""
        )
    given = Credentials(**values)
    control_token = args.control_token or os.environ.get("SOPS_MOCK_CONTROL_TOKEN")
    is_mock = probe_mock(args.base_url, control_token)
    resolve_credentials(given, args.base_url, is_mock)
    return f"{args.base_url} ({'a sops-mock' if is_mock else 'not a sops-mock'})"


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        where = preflight(args)
    except TargetError as exc:
        print(f"sops-mock contract: error: {exc}", file=sys.stderr)
        return 2
    print(f"contract suite against {where}; one mark per test: . passed, s skipped, F failed")
    with tempfile.TemporaryDirectory(prefix="sops-contract-") as scratch:
        report_path = args.json_report or str(Path(scratch) / "report.json")
        code = int(
            pytest.main(pytest_args(args, report_path), plugins=[ProgressMarks(), OneProcess()])
        )
        if not Path(report_path).exists():
            print(f"the suite did not run (pytest exit code {code})", file=sys.stderr)
            return 2
        report = load(report_path)
    print()
    target = report.get("target", {})
    if target.get("identity"):
        print(f"identity: {target['identity']}")
    print(table(report))
    if args.junit_xml:
        Path(args.junit_xml).write_text(junit_xml(report), encoding="utf-8")
    failed = int(report["failed"])
    print(f"\n{failed} failing row(s); pytest exit code {code}")
    if code not in (0, 1):
        return 2
    return 0 if code == 0 and failed == 0 else 1
