"""The fixture the HTTP benchmark serves: one business with 50 templates, one of 20 nodes."""

from __future__ import annotations

import copy
from typing import Any

import fixtures
from fixtures.trees import TreeBuilder

BIZ = 2
PROJECT_ID = 1
BIG_TEMPLATE = 1
TEMPLATES = 50


def twenty_node_tree() -> dict[str, Any]:
    """8 steps, a parallel block of 3 x 3 steps, 2 steps, then a node that waits for a callback."""
    tb = TreeBuilder("bench-20")

    def job(label: str) -> str:
        return tb.task(
            label, f"步骤 {label}", "job_fast_execute_script", {"script_content": "echo"}
        )

    head = [job(f"a{i}") for i in range(8)]
    fork = tb.gateway("fork", "ParallelGateway", "并行")
    join = tb.gateway("join", "ConvergeGateway", "汇聚")
    tb.chain(tb.start, *head, fork)
    for branch in range(3):
        steps = [job(f"b{branch}{i}") for i in range(3)]
        tb.chain(fork, *steps, join)
    tail = [job("c0"), job("c1")]
    wait = tb.task("wait", "人工确认", "pause_node", {})
    tb.chain(join, *tail, wait, tb.end)
    return tb.build()


def small_tree(n: int) -> dict[str, Any]:
    tb = TreeBuilder(f"bench-small-{n}")
    step = tb.task("only", "步骤", "bk_display", {"bk_display_message": "hi"})
    tb.chain(tb.start, step, tb.end)
    return tb.build()


def build() -> dict[str, Any]:
    base = copy.deepcopy(fixtures.load("minimal"))
    project = {**base["projects"][0], "project_id": PROJECT_ID, "bk_biz_id": BIZ}
    template = base["templates"][0]
    templates = []
    for n in range(1, TEMPLATES + 1):
        tree = twenty_node_tree() if n == BIG_TEMPLATE else small_tree(n)
        templates.append(
            {
                **template,
                "id": n,
                "project_id": PROJECT_ID,
                "name": f"模板 {n}",
                "pipeline_tree": tree,
                "scenarios": {},
                "schemes": [],
            }
        )
    fixture = {
        **base,
        "name": "bench",
        "projects": [project],
        "templates": templates,
        "common_templates": [],
        "scenario_defaults": {
            "job_fast_execute_script": {"duration": 5, "outcome": "succeed"},
            "pause_node": {"outcome": "callback"},
        },
    }
    return fixtures.validate(fixture, "bench")
