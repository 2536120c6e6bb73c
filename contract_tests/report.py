"""What a run found, per test and operation: counts, the first failure with its curl, skips.

The pytest session fills a `Recorder`; `contract_tests.cli` turns its JSON into the table, the
JUnit XML and the exit code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

REPORT_VERSION = 1


@dataclass
class Finding:
    """The first failing check of a (test, operation) row."""

    check: str
    message: str
    curl: str = ""


@dataclass
class Row:
    test: str
    operation: str
    cases: int = 0
    failure: Finding | None = None
    skipped: str | None = None
    # A hash chained over every request sent: equal digests, equal runs (see --seed).
    digest: str = ""

    @property
    def outcome(self) -> str:
        if self.failure is not None:
            return "failed"
        if self.skipped is not None and self.cases == 0:
            return "skipped"
        return "passed"


@dataclass
class Recorder:
    """Rows keyed by (test, operation); the first failure of a row is kept, later ones counted."""

    rows: dict[tuple[str, str], Row] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)

    def row(self, test: str, operation: str) -> Row:
        key = (test, operation)
        if key not in self.rows:
            self.rows[key] = Row(test, operation)
        return self.rows[key]

    def case(self, test: str, operation: str, fingerprint: bytes = b"") -> None:
        row = self.row(test, operation)
        row.cases += 1
        row.digest = hashlib.sha256(row.digest.encode() + fingerprint).hexdigest()

    def fail(self, test: str, operation: str, check: str, message: str, curl: str = "") -> None:
        row = self.row(test, operation)
        if row.failure is None:
            row.failure = Finding(check, message, curl)

    def skip(self, test: str, operation: str, reason: str) -> None:
        self.row(test, operation).skipped = reason

    def as_dict(self) -> dict[str, Any]:
        rows = [
            {**asdict(row), "outcome": row.outcome}
            for row in sorted(self.rows.values(), key=lambda r: (r.operation, r.test))
        ]
        failed = sum(1 for row in rows if row["outcome"] == "failed")
        return {"version": REPORT_VERSION, "target": self.target, "failed": failed, "rows": rows}

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n")


def load(path: str | Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def table(report: dict[str, Any]) -> str:
    """One line per (operation, test): passed, skipped (why), or the first failing check + curl."""
    rows = report["rows"]
    width_op = max([len("operation"), *(len(row["operation"]) for row in rows)])
    width_test = max([len("test"), *(len(row["test"]) for row in rows)])
    lines = [f"{'operation':<{width_op}}  {'test':<{width_test}}  {'cases':>5}  result"]
    for row in rows:
        head = f"{row['operation']:<{width_op}}  {row['test']:<{width_test}}  {row['cases']:>5}  "
        if row["outcome"] == "failed":
            failure = row["failure"]
            lines.append(head + f"FAILED {failure['check']}: {_one_line(failure['message'])}")
            if failure["curl"]:
                lines.append(" " * (width_op + 2) + "reproduce: " + failure["curl"])
        elif row["outcome"] == "skipped":
            lines.append(head + f"skipped ({row['skipped']})")
        else:
            lines.append(head + "passed")
    return "\n".join(lines)


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def junit_xml(report: dict[str, Any], suite_name: str = "sops-mock contract") -> str:
    """JUnit XML with one testcase per (operation, test) row."""
    rows = report["rows"]
    suite = ET.Element(
        "testsuite",
        name=suite_name,
        tests=str(len(rows)),
        failures=str(sum(1 for row in rows if row["outcome"] == "failed")),
        skipped=str(sum(1 for row in rows if row["outcome"] == "skipped")),
        errors="0",
    )
    for row in rows:
        case = ET.SubElement(
            suite, "testcase", classname=f"contract.{row['test']}", name=row["operation"]
        )
        case.set("cases", str(row["cases"]))
        if row["outcome"] == "failed":
            failure = row["failure"]
            element = ET.SubElement(case, "failure", type=failure["check"])
            element.set("message", _one_line(failure["message"]))
            element.text = failure["message"] + (
                "\n\n" + failure["curl"] if failure["curl"] else ""
            )
        elif row["outcome"] == "skipped":
            ET.SubElement(case, "skipped", message=row["skipped"] or "")
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
