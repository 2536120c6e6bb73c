"""`python -m contract_tests` (and `sops-mock contract`): run the suite, print the table, report.

The suite runs under pytest in this process; its JSON report becomes the per-operation table,
the JUnit XML and the exit code: 0 when every check passed, 1 on any failure, 2 on a usage or
collection error.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .report import junit_xml, load, table
from .target import FAMILIES

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
        description="Run the bk-sops contract suite against a base URL, or in-process against "
        "the mock when no --base-url is given.",
    )
    p.add_argument("--base-url", default=None, help="gateway, backend or ESB URL (see README)")
    p.add_argument("--family", choices=("auto", *FAMILIES), default="auto")
    p.add_argument("--app-code", help="default $BK_APP_CODE")
    p.add_argument("--app-secret", help="default $BK_APP_SECRET")
    p.add_argument("--bk-token", help="default $BK_TOKEN")
    p.add_argument("--access-token", help="default $BK_ACCESS_TOKEN")
    p.add_argument("--bk-username", help="default $BK_USERNAME")
    p.add_argument("--bk-biz-id", type=int, help="project to aim at (default 2)")
    p.add_argument("--scope", help="cmdb_biz (default) or project")
    p.add_argument("--template-id", type=int, help="template to create tasks from")
    p.add_argument("--task-id", type=int, help="an existing task for read-only checks")
    p.add_argument("--allow-destructive", action="store_true", help="create and operate tasks")
    p.add_argument("--control-token", help="bearer token of the mock's /__mock__/ API")
    p.add_argument("--poll-timeout", type=float, help="seconds to wait for a task to finish")
    p.add_argument("--seed", type=int, default=0, help="same seed, same requests (default 0)")
    p.add_argument("--max-examples", type=int, help="generated cases per operation")
    p.add_argument("--scenarios", type=int, help="state-machine scenarios")
    p.add_argument("--junit-xml", help="write JUnit XML here")
    p.add_argument("--json-report", help="write the JSON report here")
    p.add_argument("--planted-fault", action="append", default=[], help=argparse.SUPPRESS)
    p.add_argument("-k", dest="keyword", help="pytest -k expression to run part of the suite")
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's own output")
    return p


def pytest_args(args: argparse.Namespace, report_path: str) -> list[str]:
    # The package directory itself (not --pyargs), so that its conftest defines the options.
    out = [str(PACKAGE_DIR), "-p", "no:cacheprovider", "--contract-report", report_path]
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


def main(argv: Sequence[str] | None = None) -> int:
    import pytest

    args = parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sops-contract-") as scratch:
        report_path = args.json_report or str(Path(scratch) / "report.json")
        code = int(pytest.main(pytest_args(args, report_path)))
        if not Path(report_path).exists():
            print(f"the suite did not run (pytest exit code {code})", file=sys.stderr)
            return 2
        report = load(report_path)
    print()
    print(table(report))
    if args.junit_xml:
        Path(args.junit_xml).write_text(junit_xml(report), encoding="utf-8")
    failed = int(report["failed"])
    print(f"\n{failed} failing row(s); pytest exit code {code}")
    if code not in (0, 1):
        return 2
    return 0 if code == 0 and failed == 0 else 1
