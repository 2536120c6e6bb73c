"""`sops-mock fixtures import`: read a deployment's projects and templates into a fixture file.

Only read operations are called. Every answer is kept in a checkpoint (`OUT.partial`) as soon
as it arrives, so a run that stops half-way continues where it stopped. Credentials are never
written: the fixture has no apps or users, and the base URL is kept without user info or query.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import fixtures
from fixtures.errors import FixtureError
from simulator.scenarios import BUILT_IN

from . import convert
from .client import ApiClient, TargetCallError

CHECKPOINT_VERSION = 1
Tick = Callable[[str], None]


@dataclass
class Summary:
    imported: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    defaulted: list[tuple[str, str]] = field(default_factory=list)
    resumed: int = 0

    def add(self, kind: str, what: str) -> None:
        self.imported.setdefault(kind, []).append(what)

    def text(self) -> str:
        lines = ["Imported:"]
        for kind in ("projects", "templates", "common_templates"):
            names = self.imported.get(kind, [])
            lines.append(f"  {kind}: {len(names)}" + (f" ({', '.join(names)})" if names else ""))
        if self.resumed:
            lines.append(f"  ({self.resumed} answers taken from the checkpoint of an earlier run)")
        lines.append(f"Skipped: {len(self.skipped)}")
        lines += [f"  {what}: {why}" for what, why in self.skipped]
        lines.append(f"Defaulted: {len(self.defaulted)}")
        lines += [f"  {what}: {why}" for what, why in self.defaulted]
        return "\n".join(lines)


class Checkpoint:
    """Answers already read, keyed by what was asked; written after every new one."""

    def __init__(self, path: Path, source: str) -> None:
        self.path, self.source = path, source
        self.answers: dict[str, Any] = {}
        self.reused = 0
        if path.is_file():
            try:
                saved = json.loads(path.read_text("utf-8"))
            except ValueError:
                saved = {}
            if saved.get("version") == CHECKPOINT_VERSION and saved.get("source") == source:
                self.answers = saved.get("answers", {})

    def get(self, key: str, read: Callable[[], Any]) -> Any:
        if key in self.answers:
            self.reused += 1
            return self.answers[key]
        value = read()
        self.answers[key] = value
        document = {"version": CHECKPOINT_VERSION, "source": self.source, "answers": self.answers}
        _write(self.path, json.dumps(document, ensure_ascii=False))
        return value

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def scenario_book() -> dict[str, Any]:
    """Scenario defaults the mock knows per plugin code: the default fixture's, then built-ins."""
    book: dict[str, Any] = {code: s.to_dict() for code, s in BUILT_IN.items()}
    book.update(fixtures.load("default")["scenario_defaults"])
    return book


def import_deployment(
    client: ApiClient,
    out: Path,
    biz_ids: list[int],
    tick: Tick,
    plan: Callable[[int], None],
) -> tuple[dict[str, Any], Summary]:
    """Read everything, write `out`; `plan(n)` announces n more steps, `tick` ends one."""
    source = convert.public_url(client.target.base_url)
    checkpoint = Checkpoint(out.with_name(out.name + ".partial"), source)
    summary = Summary()
    plan(2)
    listed = checkpoint.get("projects", lambda: client.data("get_user_project_list"))
    tick("projects")
    wanted = set(biz_ids)
    projects = [p for p in listed if not wanted or int(p["bk_biz_id"]) in wanted]
    for missing in sorted(wanted - {int(p["bk_biz_id"]) for p in listed}):
        summary.skipped.append((f"bk_biz_id {missing}", "not among the calling user's projects"))
    commons = checkpoint.get("commons", lambda: client.data("get_common_template_list"))
    tick("common templates")
    plan(2 * len(projects) + len(commons))
    entries: list[dict[str, Any]] = []
    templates: list[dict[str, Any]] = []
    for item in projects:
        biz, pid = int(item["bk_biz_id"]), int(item["project_id"])
        # Scope "project" puts the project id where the business id goes: projects that are
        # not CMDB businesses (negative or no bk_biz_id) are reachable too.
        ids = {"bk_biz_id": pid}
        try:
            detail = checkpoint.get(
                f"project/{pid}", partial(_optional, client, "get_user_project_detail", ids)
            )
            listing = checkpoint.get(
                f"templates/{pid}", partial(client.data, "get_template_list", ids)
            )
        except TargetCallError as exc:
            summary.skipped.append((f"project {pid}", str(exc)))
            tick(f"project {pid}")
            tick(f"templates of {pid}")
            continue
        entries.append(convert.project_entry(item, detail))
        if detail is None:
            summary.defaulted.append(
                (f"project {pid}", f"from_cmdb: no project detail, taken as {biz > 0}")
            )
        summary.add("projects", f"{entries[-1]['name']} (project_id {pid}, bk_biz_id {biz})")
        summary.defaulted.append(
            (f"project {pid}", "time_zone, desc, creator, create_at: the reads do not give them")
        )
        tick(f"project {pid}")
        tick(f"templates of {pid}")
        plan(len(listing))
        for row in listing:
            tid = int(row["id"])
            try:
                info = checkpoint.get(
                    f"template/{pid}/{tid}",
                    partial(
                        client.data,
                        "get_template_info",
                        {"template_id": tid, "bk_biz_id": pid},
                        unfold_subprocess=True,
                    ),
                )
            except TargetCallError as exc:
                summary.skipped.append((f"template {tid}", str(exc)))
                tick(f"template {tid}")
                continue
            notes: list[str] = []
            templates.append(convert.template_entry(info, pid, notes))
            summary.defaulted += [(f"template {tid}", note) for note in notes]
            tick(f"template {tid}")
    common_entries: list[dict[str, Any]] = []
    for row in commons:
        tid = int(row["id"])
        try:
            info = checkpoint.get(
                f"common/{tid}",
                partial(
                    client.data,
                    "get_common_template_info",
                    {"template_id": tid},
                    unfold_subprocess=True,
                ),
            )
        except TargetCallError as exc:
            summary.skipped.append((f"common template {tid}", str(exc)))
            tick(f"common template {tid}")
            continue
        notes = []
        common_entries.append(convert.template_entry(info, None, notes))
        summary.defaulted += [(f"common template {tid}", note) for note in notes]
        tick(f"common template {tid}")
    fixture: dict[str, Any] = {
        "name": "imported",
        "description": f"Imported from {source} by sops-mock fixtures import.",
        "apps": [],
        "users": [],
        "projects": entries,
        "templates": templates,
        "common_templates": common_entries,
        "scenario_defaults": {},
    }
    by_project = {t["id"]: t["pipeline_tree"] for t in templates}
    by_common = {t["id"]: t["pipeline_tree"] for t in common_entries}
    for kind, items in (("template", templates), ("common template", common_entries)):
        for t in items:
            for inner in convert.fill_subprocesses(t["pipeline_tree"], by_project, by_common):
                summary.defaulted.append(
                    (f"{kind} {t['id']}", f"subprocess tree not in the answer: template {inner}'s")
                )
    fixture = valid_part(fixture, summary)
    _add_scenarios(fixture, summary)
    for kind in ("templates", "common_templates"):
        for t in fixture[kind]:
            summary.add(kind, f"{t['id']} {t['name']}")
    summary.resumed = checkpoint.reused
    _write(out, fixtures.dump(fixture))
    checkpoint.remove()
    return fixture, summary


def _optional(client: ApiClient, name: str, ids: dict[str, Any]) -> Any:
    try:
        return client.data(name, ids)
    except TargetCallError:
        return None


def valid_part(fixture: dict[str, Any], summary: Summary) -> dict[str, Any]:
    """Drop the templates the mock could not serve, each with the loader's reason."""
    while True:
        try:
            fixtures.validate(fixture, source="import")
            return fixture
        except FixtureError as exc:
            dropped = _drop(fixture, exc.path, exc.reason)
            if dropped is None:
                raise
            summary.skipped.append(dropped)


def _drop(fixture: dict[str, Any], path: str, reason: str) -> tuple[str, str] | None:
    for kind in ("common_templates", "templates"):
        prefix = f"$.{kind}["
        if path.startswith(prefix):
            index = int(path[len(prefix) :].split("]")[0])
            template = fixture[kind].pop(index)
            label = "common template" if kind == "common_templates" else "template"
            return f"{label} {template.get('id')}", f"{path}: {reason}"
    return None


def _add_scenarios(fixture: dict[str, Any], summary: Summary) -> None:
    book = scenario_book()
    codes: set[str] = set()
    for kind in ("templates", "common_templates"):
        for template in fixture[kind]:
            codes |= convert.component_codes(template["pipeline_tree"])
    for code in sorted(codes):
        if code in book and code not in BUILT_IN:
            fixture["scenario_defaults"][code] = book[code]
        elif code not in book:
            summary.defaulted.append(
                (f"plugin {code}", "no scenario default in the book: the generic default")
            )
