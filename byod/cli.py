"""Command lines of `sops-mock fixtures import` and `sops-mock diff` (run as `python -m byod`).

Bad input ends in one line on stderr and exit code 2, as the rest of sops-mock does.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from contract_tests.target import (
    CREDENTIAL_SOURCES,
    Credentials,
    TargetError,
    probe_mock,
    resolve_credentials,
)
from mockserver import flags

from .client import ApiClient, TargetCallError

# A URL's user info may hold a password: no message shows it.
_USER_INFO = re.compile(r"//[^/@\s]*@")


class UsageError(Exception):
    """Input that cannot be used; one line, exit 2."""


def add_credentials(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    for option, env, _ in CREDENTIAL_SOURCES:
        name = option if not prefix else f"--{prefix}-{option[2:]}"
        parser.add_argument(name, default=None, help=f"credential (default: ${env})")


def credentials_for(args: argparse.Namespace, url: str, prefix: str = "") -> Credentials:
    values: dict[str, str] = {}
    for option, env, field_name in CREDENTIAL_SOURCES:
        name = (option[2:] if not prefix else f"{prefix}-{option[2:]}").replace("-", "_")
        values[field_name] = getattr(args, name, None) or os.environ.get(env, "")
    try:
        given = Credentials(**values)
        is_mock = False if given.as_params() else probe_mock(url)
        return resolve_credentials(given, url, is_mock)[0]
    except TargetError as exc:
        raise UsageError(str(exc)) from None


def _import_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "import",
        prog="sops-mock fixtures import",
        description="Read a bk-sops deployment (projects, templates and their pipeline trees, "
        "common templates) through its API and write a fixture the mock serves with "
        "--fixture FILE. Read-only; a stopped run continues from OUT.partial; credentials are "
        "never written.",
        formatter_class=flags.DefaultsShown,
    )
    p.add_argument(
        "--base-url", type=flags.http_url, required=True, help="the deployment (any family)"
    )
    p.add_argument(
        "--bk-biz-id",
        type=int,
        action="append",
        default=[],
        help="import only this project (repeatable)",
    )
    p.add_argument("--out", default="imported.json", help="the fixture file to write")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_credentials(p)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="sops-mock", description="Bring your own deployment.")
    sub = root.add_subparsers(dest="command", required=True)
    _import_parser(sub)
    from .diffing import cli as diff_cli

    diff_cli.add_parser(sub)
    from .record import cli as record_cli

    record_cli.add_parser(sub)
    return root


def _quiet(_: object) -> None:
    """The progress callbacks when nothing is shown."""


def run_import(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import Progress

    from .importer import import_deployment

    out = Path(args.out)
    if out.is_dir() or not out.parent.is_dir():
        raise UsageError(f"--out {out}: name a file in an existing folder")
    credentials = credentials_for(args, args.base_url)
    errors = Console(stderr=True)
    # Off a terminal there is nothing to redraw, and rich (13.x, even disabled) leaves a blank
    # line on stderr when a progress display stops: an error after it would not be one line.
    if args.no_progress or not errors.is_terminal:
        with ApiClient(args.base_url, credentials, scope="project") as client:
            _, summary = import_deployment(client, out, args.bk_biz_id, _quiet, _quiet)
    else:
        with (
            ApiClient(args.base_url, credentials, scope="project") as client,
            Progress(console=errors, transient=True) as progress,
        ):
            task = progress.add_task("importing", total=0)

            def plan(steps: int) -> None:
                total = progress.tasks[0].total or 0
                progress.update(task, total=total + steps)

            def tick(what: str) -> None:
                progress.update(task, advance=1, description=what)

            _, summary = import_deployment(client, out, args.bk_biz_id, tick, plan)
    sys.stdout.write(f"Wrote {out}: serve it with `sops-mock serve --fixture {out}`\n")
    sys.stdout.write(summary.text() + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    label = "fixtures import" if args.command == "import" else args.command
    try:
        if args.command == "import":
            return run_import(args)
        if args.command == "record":
            from .record import cli as record_cli

            return record_cli.run(args)
        from .diffing import cli as diff_cli

        return diff_cli.run(args)
    except (UsageError, TargetCallError) as exc:
        sys.stderr.write(f"sops-mock {label}: error: {_USER_INFO.sub('//', str(exc))}\n")
        return 2
    except OSError as exc:
        sys.stderr.write(f"sops-mock {label}: error: {exc.strerror or exc}\n")
        return 2
