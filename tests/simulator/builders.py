"""Small builders for bk-sops web pipeline trees used by the simulator tests."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime
from typing import Any

from simulator import Engine, Scenario, ScenarioBook, TemplateSpec, VirtualClock, ids

T0 = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)


class Tree:
    """Declare nodes, then `chain(...)` them; `build()` fills incoming/outgoing and flows."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {
            "start": {"id": "start", "type": "EmptyStartEvent", "name": ""},
            "end": {"id": "end", "type": "EmptyEndEvent", "name": ""},
        }
        self.flows: dict[str, dict[str, Any]] = {}
        self.constants: dict[str, dict[str, Any]] = {}
        self.outputs: list[str] = []

    def act(self, node_id: str, code: str = "demo", name: str | None = None, **options) -> Tree:
        data = options.pop("data", {})
        self.nodes[node_id] = {
            "id": node_id,
            "type": "ServiceActivity",
            "name": name or node_id,
            "component": {
                "code": code,
                "data": {k: {"hook": False, "value": v} for k, v in data.items()},
            },
            "optional": options.pop("optional", False),
            "error_ignorable": options.pop("error_ignorable", False),
            "skippable": options.pop("skippable", True),
            "retryable": options.pop("retryable", True),
            **options,
        }
        return self

    def sub(self, node_id: str, pipeline: dict[str, Any], params: dict | None = None) -> Tree:
        self.nodes[node_id] = {
            "id": node_id,
            "type": "SubProcess",
            "name": node_id,
            "optional": False,
            "template_id": 99,
            "constants": {k: {"value": v, "show_type": "show"} for k, v in (params or {}).items()},
            "pipeline": pipeline,
        }
        return self

    def gateway(self, node_id: str, kind: str) -> Tree:
        self.nodes[node_id] = {"id": node_id, "type": kind, "name": node_id}
        if kind in ("ExclusiveGateway", "ConditionalParallelGateway"):
            self.nodes[node_id]["conditions"] = {}
        return self

    def pg(self, node_id: str) -> Tree:
        return self.gateway(node_id, "ParallelGateway")

    def eg(self, node_id: str) -> Tree:
        return self.gateway(node_id, "ExclusiveGateway")

    def cpg(self, node_id: str) -> Tree:
        return self.gateway(node_id, "ConditionalParallelGateway")

    def cg(self, node_id: str) -> Tree:
        return self.gateway(node_id, "ConvergeGateway")

    def chain(self, *node_ids: str) -> Tree:
        for source, target in itertools.pairwise(node_ids):
            flow_id = f"f_{source}_{target}"
            self.flows[flow_id] = {
                "id": flow_id,
                "source": source,
                "target": target,
                "is_default": False,
            }
        return self

    def cond(self, gateway: str, target: str, evaluate: str, name: str | None = None) -> Tree:
        flow = f"f_{gateway}_{target}"
        self.nodes[gateway]["conditions"][flow] = {"evaluate": evaluate, "name": name or target}
        return self

    def default(self, gateway: str, target: str) -> Tree:
        self.nodes[gateway]["default_condition"] = {
            "flow_id": f"f_{gateway}_{target}",
            "name": "default",
        }
        return self

    def var(self, key: str, value: Any, source_type: str = "custom", **extra) -> Tree:
        self.constants[f"${{{key}}}"] = {
            "key": f"${{{key}}}",
            "name": key,
            "index": len(self.constants),
            "desc": "",
            "source_type": source_type,
            "custom_type": "input",
            "source_tag": "",
            "source_info": extra.pop("source_info", {}),
            "value": value,
            "show_type": "show",
            "validation": "",
            **extra,
        }
        return self

    def build(self) -> dict[str, Any]:
        nodes = copy.deepcopy(self.nodes)
        for node in nodes.values():
            node["incoming"], node["outgoing"] = [], []
        for flow_id, flow in self.flows.items():
            nodes[flow["source"]]["outgoing"].append(flow_id)
            nodes[flow["target"]]["incoming"].append(flow_id)
        for node in nodes.values():
            if node["type"] not in (
                "ParallelGateway",
                "ExclusiveGateway",
                "ConditionalParallelGateway",
            ):
                node["outgoing"] = (
                    node["outgoing"][0] if len(node["outgoing"]) == 1 else node["outgoing"] or ""
                )
            if node["type"] in ("EmptyStartEvent",):
                node["incoming"] = ""
            elif node["type"] in ("ServiceActivity", "SubProcess") and len(node["incoming"]) == 1:
                node["incoming"] = node["incoming"][0]
        start, end = nodes.pop("start"), nodes.pop("end")
        return {
            "start_event": start,
            "end_event": end,
            "activities": {
                k: v for k, v in nodes.items() if v["type"] in ("ServiceActivity", "SubProcess")
            },
            "gateways": {k: v for k, v in nodes.items() if v["type"].endswith("Gateway")},
            "flows": copy.deepcopy(self.flows),
            "constants": copy.deepcopy(self.constants),
            "outputs": list(self.outputs),
        }


def spec(
    tree: dict[str, Any], template_id: int = 1, project_id: int = 1, category: str = "OpsTools"
) -> TemplateSpec:
    return TemplateSpec(template_id, project_id, f"template {template_id}", category, tree)


def engine(
    seed: int = 7, start: datetime = T0, **components: Scenario
) -> tuple[Engine, VirtualClock]:
    clock = VirtualClock(start)
    book = ScenarioBook(components={"demo": Scenario(duration=5), **components})
    return Engine(clock, seed, book), clock


def linear(*names: str) -> dict[str, Any]:
    tree = Tree()
    for name in names:
        tree.act(name)
    return tree.chain("start", *names, "end").build()


def parallel(branches: int = 2, code: str = "demo") -> dict[str, Any]:
    """start -> a -> pg -> b0..bN -> cg -> z -> end"""
    tree = Tree().act("a", code).pg("pg").cg("cg").act("z", code)
    tree.chain("start", "a", "pg")
    for i in range(branches):
        tree.act(f"b{i}", code).chain("pg", f"b{i}", "cg")
    return tree.chain("cg", "z", "end").build()


def node_ids(engine: Engine, task_id: int) -> dict[str, str]:
    """template node path ("a", "sub/x", "pg") -> task node id, for every node of the task."""
    found: dict[str, str] = {}

    def walk(tree: dict[str, Any], prefix: str) -> None:
        nodes = [
            tree["start_event"]["id"],
            tree["end_event"]["id"],
            *tree["activities"],
            *tree["gateways"],
        ]
        for node_id in nodes:
            found[prefix + node_id] = ids.node_id(engine.seed, task_id, prefix + node_id)
        for node_id, act in tree["activities"].items():
            if "pipeline" in act:
                walk(act["pipeline"], f"{prefix}{node_id}/")

    walk(dict(engine._tasks[task_id].prepared), "")
    return found


def states(status: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    """template node id -> displayed state, for every node in a status tree (recursively)."""
    reverse = {v: k for k, v in ids.items()}
    out: dict[str, str] = {}

    def walk(node: dict[str, Any]) -> None:
        for child_id, child in node["children"].items():
            out[reverse.get(child_id, child_id)] = child["state"]
            walk(child)

    walk(status)
    return out


class Run:
    """One engine + clock + task, with views keyed by template node paths."""

    def __init__(
        self, tree: dict[str, Any], *, seed: int = 7, scenarios: dict | None = None, **create
    ) -> None:
        self.engine, self.clock = engine(seed)
        for key, scenario in (scenarios or {}).items():
            self.engine.scenarios.set_template_node(1, key, scenario)
        create.setdefault("name", "t")
        create.setdefault("creator", "u")
        create.setdefault("project_id", 1)
        self.task_id = self.engine.create_task(spec(tree), **create).id
        self.ids = node_ids(self.engine, self.task_id)

    def start(self) -> Run:
        self.engine.start_task(self.task_id, "u")
        return self

    def wait(self, seconds: float) -> Run:
        self.clock.advance(seconds)
        return self

    def status(self, **kwargs) -> dict[str, Any]:
        return self.engine.status_tree(self.task_id, tz=UTC, **kwargs)

    def states(self) -> dict[str, str]:
        return states(self.status(), self.ids)

    @property
    def state(self) -> str:
        return self.status()["state"]

    def node(self, path: str) -> dict[str, Any]:
        """The status-tree entry of one node, searched recursively."""
        wanted = self.ids[path]

        def find(node: dict[str, Any]) -> dict[str, Any] | None:
            for child_id, child in node["children"].items():
                if child_id == wanted:
                    return child
                if (found := find(child)) is not None:
                    return found
            return None

        found = find(self.status())
        assert found is not None, f"{path} not in the status tree"
        return found

    def op(self, path: str, action: str, **kwargs) -> None:
        self.engine.operate_node(self.task_id, self.ids[path], action, **kwargs)

    def detail(self, path: str):
        return self.engine.node_detail(self.task_id, self.ids[path])
