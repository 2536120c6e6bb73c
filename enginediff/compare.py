"""Comparing two traces: the engine level first, then the API level; the first difference wins.

Engine level, in this order: which actions were accepted; which nodes got a state; each node's
sequence of (state, loop, retry, skip, error_ignored) rows, each with the clock reading (or the
action) at which it was first seen; the final rows. API level: the
normalised get_task_status trees. With `interleaving=False` (worker mode), the sequences are the
per-node state writes, which do not depend on how parallel branches interleave.
"""

from __future__ import annotations

from .trace import Trace, first_api_difference


def _short(node: str) -> str:
    return node if node == "root" else node[:8]


def engine_difference(real: Trace, sim: Trace) -> str | None:
    for (label, a), (_, b) in zip(real.results, sim.results, strict=True):
        if a != b:
            return f"{label}: real {'accepts' if a else 'refuses'}, simulator " + (
                "accepts" if b else "refuses"
            )
    seq_a, seq_b = real.sequences(), sim.sequences()
    only = sorted(set(seq_a) ^ set(seq_b))
    if only:
        node = only[0]
        side = "real" if node in seq_a else "simulator"
        last = (seq_a | seq_b)[node][-1][1][0]
        return f"node {_short(node)} has a state only on the {side} side ({last})"
    for node in sorted(seq_a):
        if seq_a[node] != seq_b[node]:
            return (
                f"node {_short(node)}: real {_rows(seq_a[node])} vs simulator {_rows(seq_b[node])}"
            )
    if real.final != sim.final:
        return "final rows differ"
    return None


def _rows(rows: list[tuple[str, tuple[str, int, int, bool, bool]]]) -> str:
    parts = []
    for label, (state, loop, retry, skip, ignored) in rows:
        text = state
        flags = [f"retry={retry}"] if retry else []
        flags += ["skip"] if skip else []
        flags += ["error_ignored"] if ignored else []
        flags += [f"loop={loop}"] if loop != 1 else []
        parts.append(text + (f"({','.join(flags)})" if flags else "") + f"@{label}")
    return "->".join(parts)


def api_difference(real: Trace, sim: Trace) -> str | None:
    found = first_api_difference(real.api, sim.api)
    return None if found is None else f"get_task_status {found}"


def first_difference(real: Trace, sim: Trace) -> str | None:
    engine = engine_difference(real, sim)
    if engine is not None:
        return f"engine: {engine}"
    api = api_difference(real, sim)
    return None if api is None else f"api: {api}"


def writes_difference(a: Trace, b: Trace) -> str | None:
    """Worker mode vs deterministic mode: per-node state writes, final rows, API trees."""
    wa, wb = a.transitions or {}, b.transitions or {}
    for node in sorted(set(wa) | set(wb)):
        if wa.get(node) != wb.get(node):
            return f"node {_short(node)}: {a.side} {wa.get(node)} vs {b.side} {wb.get(node)}"
    if a.final != b.final:
        return "final rows differ"
    if [r for _, r in a.results] != [r for _, r in b.results]:
        return "action results differ"
    found = first_api_difference(a.api, b.api)
    return None if found is None else f"get_task_status {found}"
