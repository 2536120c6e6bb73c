"""Identifiers, versions and random numbers derived by hashing, never drawn in sequence.

Every value is a hash of (seed, task, what it is for, ...), so it does not depend on the order
in which requests arrive or tasks run.
"""

from __future__ import annotations

from hashlib import blake2b


def _hex(text: str) -> str:
    return blake2b(text.encode(), digest_size=16).hexdigest()


# Each text is the parts joined with "\x1f": seed, task, what the value is for, then the rest.
# Written as f-strings: ids are made for every node and flow of every task, and joining a
# list of str() calls took half again as long.
_SCALE = float(1 << 64)


def node_id(seed: int, task_id: int, path: str) -> str:
    """A task node id: "n" + 31 hex chars, from the template node's path in the tree."""
    return "n" + _hex(f"{seed}\x1f{task_id}\x1fnode\x1f{path}")[1:]


def flow_id(seed: int, task_id: int, path: str) -> str:
    """A task flow id: "l" + 31 hex chars."""
    return "l" + _hex(f"{seed}\x1f{task_id}\x1fflow\x1f{path}")[1:]


def pipeline_id(seed: int, task_id: int) -> str:
    """The id of the task's root pipeline instance."""
    return "n" + _hex(f"{seed}\x1f{task_id}\x1fpipeline")[1:]


def periodic_node_id(seed: int, periodic_id: int, kind: str, path: str) -> str:
    """A node ("n") or flow ("l") id of a periodic task's tree (bamboo's replace_id at create)."""
    return ("n" if kind == "node" else "l") + _hex(
        f"{seed}\x1fperiodic{periodic_id}\x1f{kind}\x1f{path}"
    )[1:]


def version(seed: int, task_id: int, path: str, serial: int) -> str:
    """The `serial`-th version of a node state: "v" + 32 hex chars."""
    return "v" + _hex(f"{seed}\x1f{task_id}\x1fversion\x1f{path}\x1f{serial}")


def unit(seed: int, task_id: int, path: str, attempt: int, purpose: str) -> float:
    """A number in [0, 1) for (seed, task, node, attempt, purpose)."""
    text = f"{seed}\x1f{task_id}\x1f{purpose}\x1f{path}\x1f{attempt}"
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest()) / _SCALE
