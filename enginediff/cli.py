"""`sops-mock engine-diff` (= `python -m enginediff`): the tables and the search.

    engine-diff [table]  every fixture template x scenario kind, real engine vs simulator
    engine-diff worker   the worker-mode subset, checked against the deterministic mode
    engine-diff search   generated trees and scripts; the first unexplained difference, shrunk

Exit status 1 when a difference no known deviation explains was found; 2 when the engine-diff
extra is not installed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from .kinds import KINDS
from .run import Outcome, engine_available, run_both, summary
from .scenario import Scenario
from .trees import fixture_templates

# The worker-mode subset: (template id, kind); one of each way a run moves on. They run side by
# side on one worker, so the subset costs about one horizon of wall-clock time.
WORKER_SUBSET = (
    (30, "fail"),
    (31, "retry_inputs"),
    (31, "skip"),
    (32, "forced_fail_retry"),
    (33, "pause_resume"),
    (33, "revoke_polling"),
    (34, "ignorable"),
    (35, "poll"),
    (36, "subprocess_pause"),
    (40, "callback_ok"),
    (10002, "skip_exg"),
)


def fixture_scenarios(
    fixture: str = "default",
    kinds: Sequence[str] | None = None,
    templates: Sequence[int] | None = None,
) -> list[Scenario]:
    """Every (template, kind) scenario of a fixture that applies to the template's tree."""
    found = []
    for template_id, _, tree in fixture_templates(fixture):
        if templates and template_id not in templates:
            continue
        for kind in kinds or KINDS:
            scenario = KINDS[kind](template_id, tree)
            if scenario is not None:
                found.append(scenario)
    return found


def worker_scenarios(fixture: str = "default") -> list[Scenario]:
    trees = {tid: tree for tid, _, tree in fixture_templates(fixture)}
    found = []
    for template_id, kind in WORKER_SUBSET:
        scenario = KINDS[kind](template_id, trees[template_id])
        if scenario is not None:
            found.append(scenario)
    return found


def _cell(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table_rows(outcomes: Sequence[Outcome]) -> list[list[str]]:
    rows = []
    for o in outcomes:
        found = o.difference or ""
        if o.deviation is not None:
            found = f"{o.deviation.key}: {found}"
        rows.append(
            [str(o.scenario.template_id), o.scenario.name, summary(o.real), summary(o.sim),
             o.verdict, found]
        )  # fmt: skip
    return rows


HEAD = ["template", "scenario", "real (bamboo-engine)", "simulator", "verdict", "first difference"]


def print_table(rows: list[list[str]], out: object = sys.stdout) -> None:
    widths = [8, 18, 30, 30, 34, 80]
    lines = ["  ".join(_cell(h, w).ljust(w) for h, w in zip(HEAD, widths, strict=True))]
    for row in rows:
        lines.append("  ".join(_cell(c, w).ljust(w) for c, w in zip(row, widths, strict=True)))
    print("\n".join(line.rstrip() for line in lines), file=out)  # type: ignore[call-overload]


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEAD) + " |", "|" + " --- |" * len(HEAD)]
    for row in rows:
        cells = [c.replace("|", "\\|") or " " for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


MARK = {"same": "same", "DIFFERENT": "**DIFF**"}


def matrix(outcomes: Sequence[Outcome]) -> str:
    """Templates x kinds: `same`, the deviation's name, **DIFF**, or - (kind does not apply)."""
    kinds = list(dict.fromkeys(o.scenario.name for o in outcomes))
    cells: dict[tuple[int, str], str] = {}
    for o in outcomes:
        verdict = o.verdict
        cells[(o.scenario.template_id, o.scenario.name)] = MARK.get(
            verdict, verdict.removeprefix("deviation: ")
        )
    lines = ["| template | " + " | ".join(kinds) + " |", "|" + " --- |" * (len(kinds) + 1)]
    for tid in dict.fromkeys(o.scenario.template_id for o in outcomes):
        row = [cells.get((tid, k), "-") for k in kinds]
        lines.append(f"| {tid} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def cmd_table(args: argparse.Namespace) -> int:
    kinds = args.kinds.split(",") if args.kinds else None
    templates = [int(x) for x in args.templates.split(",")] if args.templates else None
    started = time.perf_counter()
    outcomes = [run_both(s) for s in fixture_scenarios(args.fixture, kinds, templates)]
    seconds = time.perf_counter() - started
    rows = table_rows(outcomes)
    print_table(rows)
    failed = sum(o.failed for o in outcomes)
    deviations = sum(o.deviation is not None for o in outcomes)
    same = len(outcomes) - failed - deviations
    print(
        f"\n{len(outcomes)} scenarios in {seconds:.1f} s: {same} same, {deviations} known "
        f"deviations, {failed} unexplained differences"
    )
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(matrix(outcomes) + "\n" + markdown(rows))
    return 1 if failed else 0


def cmd_worker(args: argparse.Namespace) -> int:
    from .compare import writes_difference
    from .real.runner import DeterministicRun
    from .real.worker import run_worker

    scenarios = worker_scenarios(args.fixture)
    started = time.perf_counter()
    traces = run_worker(scenarios)
    seconds = time.perf_counter() - started
    bad = 0
    rows = []
    for scenario, worker in zip(scenarios, traces, strict=True):
        det = DeterministicRun(scenario).run()
        found = writes_difference(worker, det)
        bad += found is not None
        rows.append([str(scenario.template_id), scenario.name, summary(worker), summary(det),
                     "same" if found is None else "DIFFERENT", found or ""])  # fmt: skip
    head = ["template", "scenario", "worker mode", "deterministic mode", "verdict", "difference"]
    for row in [head, *rows]:
        print(
            "  ".join(
                _cell(c, w).ljust(w) for c, w in zip(row, [8, 18, 30, 30, 10, 60], strict=True)
            ).rstrip()
        )
    print(f"\n{len(scenarios)} scenarios in worker mode in {seconds:.1f} s; {bad} disagree")
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(markdown(rows).replace(" | ".join(HEAD), " | ".join(head), 1))
    return 1 if bad else 0


def cmd_search(args: argparse.Namespace) -> int:
    from .search import search

    started = time.perf_counter()
    result = search(args.examples, args.seed)
    seconds = time.perf_counter() - started
    print(f"cases tried: {result.tried} (in {seconds:.1f} s, seed {args.seed})")
    print(f"known deviations met: {dict(sorted(result.deviations.items())) or 'none'}")
    print(f"unexplained differences: {result.differences}")
    if result.found is not None:
        print(f"shrunk case: {result.found.difference}")
        print(result.found.scenario.to_json())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result.as_dict(), fh, ensure_ascii=False, indent=1)
    return 1 if result.found is not None else 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="sops-mock engine-diff",
        description="Run scenarios on the real bamboo-engine and on the simulator; compare.",
    )
    root.add_argument("--fixture", default="default")
    sub = root.add_subparsers(dest="command")
    table = sub.add_parser("table", help="fixture templates x scenario kinds (the default)")
    for p in (root, table):
        p.add_argument("--kinds", default="", help="comma-separated scenario kinds")
        p.add_argument("--templates", default="", help="comma-separated template ids")
        p.add_argument("--markdown", default="", help="also write the table as Markdown")
    worker = sub.add_parser("worker", help="the worker-mode subset vs the deterministic mode")
    worker.add_argument("--markdown", default="")
    search = sub.add_parser("search", help="hypothesis search over generated trees and scripts")
    search.add_argument("--examples", type=int, default=200)
    search.add_argument("--seed", type=int, default=0)
    search.add_argument("--json", default="", help="write the result as JSON")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not engine_available():
        print(
            "engine-diff needs the real engine: pip install 'sops-mock[engine-diff]' (Python 3.11)",
            file=sys.stderr,
        )
        return 2
    if args.command == "worker":
        return cmd_worker(args)
    if args.command == "search":
        return cmd_search(args)
    return cmd_table(args)
