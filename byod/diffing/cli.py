"""`sops-mock diff --a URL --b URL`: run the script on both, report, exit 1 on a new difference."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from byod import convert
from byod.client import ApiClient
from mockserver import flags

from .compare import allowed, compare, read_allow_file
from .report import as_html, as_json, as_text
from .script import Pace, Run, Script, mock_clock


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from byod.cli import add_credentials

    p = sub.add_parser(
        "diff",
        prog="sops-mock diff",
        description="Run one seeded script (create from a template, start, poll, pause and "
        "resume, bad inputs, counts) against two targets and report where their answers "
        "differ: shapes, enum values, error envelopes, state sequences. Volatile values (ids, "
        "times, trace ids, urls) are normalised. Exit 1 on a difference the allow-file does "
        "not list. Creates and operates tasks on both targets.",
        formatter_class=flags.DefaultsShown,
    )
    add = p.add_argument
    add("--a", type=flags.http_url, required=True, help="first target (any URL family)")
    add("--b", type=flags.http_url, required=True, help="second target (any URL family)")
    add("--bk-biz-id", type=int, default=2, help="project, as a CMDB business id, on both")
    add("--template-id", type=int, default=None, help="template on both (default: A's newest)")
    add("--polls", type=flags.int_from(1, 1000), default=30, help="status polls at most")
    add(
        "--poll-seconds",
        type=flags.positive_float(),
        default=2.0,
        help="time between polls (a sops-mock on a virtual clock is advanced this much instead)",
    )
    add("--allow-file", default=None, help="differences to accept, one pattern a line")
    add("--json", dest="json_out", default=None, help="write the JSON report here")
    add("--html", dest="html_out", default=None, help="write the HTML report here")
    add("--control-token", default=None, help="bearer token of the targets' /__mock__/ API")
    add_credentials(p)


def _run(url: str, args: argparse.Namespace, template: int | None) -> tuple[Run, int]:
    from byod.cli import credentials_for

    with ApiClient(url, credentials_for(args, url)) as client:
        if template is None:
            listing = client.data("get_template_list", {"bk_biz_id": args.bk_biz_id})
            if not listing:
                from byod.cli import UsageError

                raise UsageError(f"--a {url}: project {args.bk_biz_id} has no template")
            template = int(listing[0]["id"])
        origin = convert.public_url(client.target.origin)
        pace = Pace(args.polls, args.poll_seconds, mock_clock(origin, args.control_token))
        return Script(client, args.bk_biz_id, template, pace).execute(), template


def run(args: argparse.Namespace) -> int:
    from byod.cli import UsageError

    patterns: list[str] = []
    if args.allow_file:
        try:
            patterns = read_allow_file(Path(args.allow_file).read_text("utf-8"))
        except OSError as exc:
            raise UsageError(f"--allow-file {args.allow_file}: {exc.strerror}") from None
    run_a, template = _run(args.a, args, args.template_id)
    run_b, _ = _run(args.b, args, template)
    findings = compare(run_a, run_b)
    ok = {f.id for f in findings if allowed(f, patterns)}
    a, b = convert.public_url(args.a), convert.public_url(args.b)
    steps = (len(run_a.steps), len(run_b.steps))
    sys.stdout.write(as_text(a, b, findings, ok, steps))
    if args.json_out:
        Path(args.json_out).write_text(as_json(a, b, findings, ok, steps), encoding="utf-8")
    if args.html_out:
        Path(args.html_out).write_text(as_html(a, b, findings, ok, steps), encoding="utf-8")
    return 1 if any(f.id not in ok for f in findings) else 0
