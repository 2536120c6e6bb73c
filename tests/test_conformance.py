"""schemas/CONFORMANCE.md: every row names a test that exists, and no behaviour is listed twice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "schemas" / "CONFORMANCE.md"
TEST_CELL = re.compile(r"^(tests/[\w/]+\.py)::(test_\w+)$")


def rows() -> list[tuple[str, list[str]]]:
    """(section, cells) of every table row under a heading, header and rule rows left out."""
    found, section = [], ""
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:]
        elif line.startswith("| ") and not line.startswith(("| ---", "| operation |")):
            inner = line.strip().removeprefix("| ").removesuffix(" |")
            cells = [cell.strip() for cell in re.split(r"(?<!\\) \| ", inner)]
            found.append((section, cells))
    return found


CHECKED = [(s, cells) for s, cells in rows() if not s.startswith("Known differences")]


def test_the_catalogue_has_rows_of_four_cells():
    assert len(CHECKED) >= 80
    assert all(len(cells) == 4 for _, cells in rows())


@pytest.mark.parametrize(
    ("section", "cells"), CHECKED, ids=lambda v: v if isinstance(v, str) else None
)
def test_each_row_names_a_test_that_exists(section, cells):
    match = TEST_CELL.match(cells[3])
    assert match, f"{section}: not a test reference: {cells[3]}"
    path, name = match.groups()
    assert re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), cells


def test_no_behaviour_is_listed_twice():
    keys = [(cells[0], cells[1]) for _, cells in CHECKED]
    assert len(keys) == len(set(keys))
