"""The diff report as text, JSON and one self-contained HTML page (no scripts, no links out)."""

from __future__ import annotations

import html
import json
from typing import Any

from .compare import Finding


def as_json(
    a: str, b: str, findings: list[Finding], allowed: set[str], steps: tuple[int, int]
) -> str:
    document = {
        "a": a,
        "b": b,
        "steps": {"a": steps[0], "b": steps[1]},
        "differences": [{**f.to_dict(), "allowed": f.id in allowed} for f in findings],
        "unexpected": sum(1 for f in findings if f.id not in allowed),
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def as_text(
    a: str, b: str, findings: list[Finding], allowed: set[str], steps: tuple[int, int]
) -> str:
    lines = [f"A: {a}", f"B: {b}", f"steps run: {steps[0]} on A, {steps[1]} on B"]
    if not findings:
        lines.append("No differences.")
    for f in findings:
        mark = "allowed " if f.id in allowed else ""
        lines.append(f"{mark}{f.id}  ({f.op})")
        lines.append(f"    A: {_show(f.a)}")
        lines.append(f"    B: {_show(f.b)}")
    unexpected = sum(1 for f in findings if f.id not in allowed)
    lines.append(f"{len(findings)} differences, {unexpected} not in the allow-file")
    return "\n".join(lines) + "\n"


_STYLE = (
    "body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}"
    "code{white-space:pre-wrap}.allowed{color:#888}"
)


def as_html(
    a: str, b: str, findings: list[Finding], allowed: set[str], steps: tuple[int, int]
) -> str:
    e = html.escape
    rows = "".join(
        f'<tr class="{"allowed" if f.id in allowed else ""}"><td>{e(f.kind)}</td>'
        f"<td>{e(f.step)}</td><td>{e(f.op)}</td><td><code>{e(f.where)}</code></td>"
        f"<td><code>{e(_show(f.a))}</code></td><td><code>{e(_show(f.b))}</code></td></tr>"
        for f in findings
    )
    unexpected = sum(1 for f in findings if f.id not in allowed)
    body = (
        "<table><tr><th>kind</th><th>step</th><th>operation</th><th>where</th><th>A</th>"
        f"<th>B</th></tr>{rows}</table>"
        if findings
        else "<p>No differences.</p>"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>sops-mock diff</title><style>{_STYLE}</style></head><body>"
        f"<h1>sops-mock diff</h1><p>A: <code>{e(a)}</code><br>B: <code>{e(b)}</code><br>"
        f"steps run: {steps[0]} on A, {steps[1]} on B; {len(findings)} differences, "
        f"{unexpected} not allowed"
        f"</p>{body}</body></html>\n"
    )
