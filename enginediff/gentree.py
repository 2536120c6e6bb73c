"""Generated bk-sops web trees, from a small block language the search strategies draw.

    ("act",)                      one service activity
    ("par", [branch, ...])        parallel gateway, the branches, a converge gateway
    ("exg", [branch, ...], hit)   exclusive gateway on a constant; hit = the branch it takes,
                                  -1 = none (the gateway fails; there is no default branch)
    ("cpg", [branch, ...], hits)  conditional parallel gateway, one constant per branch
    ("sub", [block, ...])         subprocess holding activities and parallel blocks

A branch is a non-empty list of blocks. Ids are 32 hex digits derived from a counter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

Block = tuple[Any, ...]


class _Builder:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.count = 0

    def new_id(self) -> str:
        self.count += 1
        return hashlib.md5(f"{self.prefix}/{self.count}".encode()).hexdigest()


def _constant(key: str, value: str, index: int) -> dict[str, Any]:
    return {
        "key": key,
        "name": key.strip("${}"),
        "value": value,
        "custom_type": "input",
        "desc": "",
        "index": index,
        "show_type": "show",
        "source_info": {},
        "source_tag": "",
        "source_type": "custom",
        "validation": "^.*$",
    }


class _Tree:
    def __init__(self, ids: _Builder) -> None:
        self.ids = ids
        self.acts: dict[str, dict[str, Any]] = {}
        self.gws: dict[str, dict[str, Any]] = {}
        self.flows: dict[str, dict[str, Any]] = {}
        self.constants: dict[str, dict[str, Any]] = {}

    def flow(self, source: str, target: str) -> str:
        fid = self.ids.new_id()
        self.flows[fid] = {"id": fid, "source": source, "target": target, "is_default": False}
        return fid

    def chain(self, blocks: Sequence[Block]) -> tuple[str, str]:
        first, last = self.block(blocks[0])
        for block in blocks[1:]:
            entry, exit_ = self.block(block)
            self.flow(last, entry)
            last = exit_
        return first, last

    def block(self, block: Block) -> tuple[str, str]:
        kind = block[0]
        if kind == "act":
            node = self.ids.new_id()
            self.acts[node] = {
                "id": node,
                "type": "ServiceActivity",
                "name": f"act {len(self.acts) + 1}",
                "component": {"code": "diff", "data": {}},
                "optional": False,
                "error_ignorable": False,
                "skippable": True,
                "retryable": True,
            }
            return node, node
        if kind == "sub":
            node = self.ids.new_id()
            inner = build(block[1], self.ids)
            self.acts[node] = {
                "id": node,
                "type": "SubProcess",
                "name": f"sub {len(self.acts) + 1}",
                "template_id": 99,
                "constants": {},
                "optional": False,
                "pipeline": inner,
            }
            return node, node
        gateway_type = {
            "par": "ParallelGateway",
            "exg": "ExclusiveGateway",
            "cpg": "ConditionalParallelGateway",
        }[kind]
        split, join = self.ids.new_id(), self.ids.new_id()
        self.gws[split] = {"id": split, "type": gateway_type, "name": ""}
        self.gws[join] = {"id": join, "type": "ConvergeGateway", "name": ""}
        conditions: dict[str, dict[str, str]] = {}
        for pos, branch in enumerate(block[1]):
            entry, exit_ = self.chain(branch)
            fid = self.flow(split, entry)
            self.flow(exit_, join)
            if kind == "exg":
                key = f"${{route_{len(self.gws)}}}"
                self.constants.setdefault(key, _constant(key, f"b{block[2]}", len(self.constants)))
                conditions[fid] = {"evaluate": f'{key} == "b{pos}"', "name": f"b{pos}"}
            elif kind == "cpg":
                key = f"${{on_{len(self.gws)}_{pos}}}"
                value = "on" if pos in block[2] else "off"
                self.constants[key] = _constant(key, value, len(self.constants))
                conditions[fid] = {"evaluate": f'{key} == "on"', "name": f"b{pos}"}
        if conditions:
            self.gws[split]["conditions"] = conditions
        return split, join


def build(blocks: Sequence[Block], ids: _Builder | None = None) -> dict[str, Any]:
    """A web pipeline tree: start, the blocks in a chain, end."""
    ids = ids or _Builder("gen")
    tree = _Tree(ids)
    start, end = ids.new_id(), ids.new_id()
    first, last = tree.chain(blocks)
    tree.flow(start, first)
    tree.flow(last, end)
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for fid, flow in tree.flows.items():
        outgoing.setdefault(flow["source"], []).append(fid)
        incoming.setdefault(flow["target"], []).append(fid)
    for node_id, act in tree.acts.items():
        act["incoming"] = incoming[node_id]
        act["outgoing"] = outgoing[node_id][0]
    for node_id, gw in tree.gws.items():
        gw["incoming"] = incoming[node_id]
        out = outgoing[node_id]
        gw["outgoing"] = out[0] if gw["type"] == "ConvergeGateway" else out
    return {
        "activities": tree.acts,
        "gateways": tree.gws,
        "flows": tree.flows,
        "start_event": {
            "id": start,
            "type": "EmptyStartEvent",
            "name": "",
            "incoming": "",
            "outgoing": outgoing[start][0],
        },
        "end_event": {
            "id": end,
            "type": "EmptyEndEvent",
            "name": "",
            "incoming": incoming[end],
            "outgoing": "",
        },
        "constants": tree.constants,
        "outputs": [],
    }
