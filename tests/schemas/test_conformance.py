"""The conformance catalogue is data the tests read (issue 15, "Must show").

Every table row of `schemas/CONFORMANCE.md` and `schemas/conformance/*.md` names an operation,
a behaviour, the bk-sops file and function it comes from and the test that holds it. Checked
here: each named test exists (its module imports and has the function), each named bk-sops file
exists in the local mirror of bk-sops or bamboo-engine when one is present (CI has none), there
are at least 250 rows, no behaviour is listed twice, and every operation has a success row.
Sections whose heading starts with "Known differences" list what is not checked, and are skipped.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from schemas.operations import OPERATIONS

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    [p for p in [ROOT / "schemas" / "CONFORMANCE.md"] if p.exists()]
    + sorted((ROOT / "schemas" / "conformance").glob("*.md"))
)
MIRRORS = [
    Path(os.environ.get("SOPS_MOCK_BK_SOPS_MIRROR", "/work/.mirror/TencentBlueKing+bk-sops/repo")),
    Path("/work/.mirror/TencentBlueKing+bamboo-engine/repo"),
]
ALIAS = re.compile(r"`(\w+)`\s+is\s+`(tests/[\w/]+\.py)`")
REFERENCE = re.compile(r"^([\w/.]+?)::(test_\w+)(\[[^\]]*\])?$")
SOURCE_FILE = re.compile(r"[\w./*-]+\.(?:py|yml|yaml|json|txt)\b")
MINIMUM_ROWS = 250
# A source cell that names no file: a library outside bk-sops, or a parenthesised note for a
# behaviour of the mock itself (a setting, a documented difference).
OUTSIDE = ("bamboo", "celery", "django", "drf", "jsonschema", "python", "requests", "(")
# Files of libraries bk-sops runs on (the IAM SDK, Django, DRF, celery): named, not mirrored.
LIBRARY_FILES = ("iam/", "django/", "rest_framework/", "celery/", "django_celery_beat/")


def _mock_note(source: str) -> bool:
    """A row about the mock itself (a setting, its own design) names the mock's files."""
    return source.startswith("(") or "not bk-sops" in source


@dataclass(frozen=True)
class Row:
    where: str  # file:line
    operation: str
    behaviour: str
    source: str
    tests: tuple[tuple[str, str], ...]  # (module path, function)


def _cells(line: str) -> list[str]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", inner)]


def _references(cell: str, aliases: dict[str, str], where: str) -> tuple[tuple[str, str], ...]:
    found = []
    for part in re.split(r"[;,]\s*(?=[\w/.]+::)", cell.strip("` ")):
        match = REFERENCE.match(part.strip().strip("`"))
        assert match, f"{where}: not a test reference: {part!r}"
        module, function, _ = match.groups()
        module = aliases.get(module, module)
        assert module.endswith(".py"), f"{where}: {module!r} is neither a path nor an alias"
        found.append((module, function))
    return tuple(found)


@functools.cache
def rows() -> tuple[Row, ...]:
    found: list[Row] = []
    for catalogue in CATALOGUES:
        text = catalogue.read_text(encoding="utf-8")
        aliases = dict(ALIAS.findall(text))
        skipping, previous_source = False, ""
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith("#"):
                skipping = line.lstrip("# ").startswith("Known differences")
                continue
            if skipping or not line.startswith("|"):
                continue
            cells = _cells(line)
            if cells[0] in ("operation", "") or set(cells[0]) <= {"-", ":"}:
                continue
            where = f"{catalogue.relative_to(ROOT)}:{number}"
            assert len(cells) == 4, f"{where}: {len(cells)} cells"
            tests = _references(cells[3], aliases, where)
            source = previous_source if cells[2] == "same" else cells[2]
            previous_source = source
            found.append(Row(where, cells[0].strip("`"), cells[1], source, tests))
    return tuple(found)


def test_the_catalogue_has_enough_rows():
    assert len(rows()) >= MINIMUM_ROWS, len(rows())


def test_no_behaviour_is_listed_twice():
    seen: dict[tuple[str, str], str] = {}
    for row in rows():
        key = (row.operation, row.behaviour)
        assert key not in seen, f"{row.where} repeats {seen[key]}"
        seen[key] = row.where


@pytest.mark.parametrize("op", [op.name for op in OPERATIONS])
def test_every_operation_has_a_success_row(op):
    assert any(
        row.operation == op and row.behaviour.lower().startswith("success") for row in rows()
    ), f"no success-shape row for {op}"


def test_every_named_test_exists():
    missing = []
    for row in rows():
        for module_path, function in row.tests:
            try:
                module = importlib.import_module(module_path.removesuffix(".py").replace("/", "."))
            except ImportError:
                missing.append(f"{row.where}: no module {module_path}")
                continue
            if not callable(getattr(module, function, None)):
                missing.append(f"{row.where}: {module_path}::{function}")
    assert not missing, "\n".join(missing)


@functools.cache
def _mirror_files() -> frozenset[str] | None:
    """Every path of the mirrors' HEAD trees, or None when no mirror is here."""
    paths: set[str] = set()
    for git_dir in MIRRORS:
        if not git_dir.is_dir():
            continue
        listing = subprocess.run(
            ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        paths.update(listing.stdout.splitlines())
    return frozenset(paths) if paths else None


def _known(path: str, files: frozenset[str]) -> bool:
    # bamboo-pipeline files are named from its package root (pipeline/...), which lives under
    # runtime/bamboo-pipeline/ in the bamboo-engine repository.
    if "*" in path:  # a family of files, e.g. gcloud/apigw/views/*.py
        return any(fnmatch.fnmatchcase(name, path) for name in files)
    return path in files or any(name.endswith("/" + path) for name in files)


def test_every_bk_sops_file_exists_in_the_mirror():
    files = _mirror_files()
    if files is None:
        pytest.skip("no bk-sops mirror here (CI)")
    unknown = []
    for row in rows():
        if _mock_note(row.source):
            continue
        named = [p for p in SOURCE_FILE.findall(row.source) if not p.startswith(LIBRARY_FILES)]
        if not (named or row.source.lower().startswith(OUTSIDE)):
            unknown.append(f"{row.where}: names no file: {row.source}")
        unknown += [f"{row.where}: {path}" for path in named if not _known(path, files)]
    assert not unknown, "\n".join(unknown)
