"""Engine benchmark: many tasks of a 20-node template with a parallel block, run to the end in
virtual time; query_task_count over all of them; the cost of status trees of 10 to 10,000 nodes.

    python bench/engine.py                 # 10,000 tasks
    python bench/engine.py --tasks 100000  # the 60 s / 2 GB / 50 ms targets
    python bench/engine.py --profile       # where the time goes (cProfile, top functions)
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import pstats
import resource
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator import Engine, Scenario, ScenarioBook, TemplateSpec, VirtualClock, views

T0 = datetime(2024, 1, 1, tzinfo=UTC)
# query_task_count calls timed over the finished tasks: (group_by, conditions)
COUNTS: list[tuple[str, dict[str, Any]]] = [
    ("status", {}),
    ("category", {}),
    ("create_method", {"create_time": 1704067200000}),
    ("status", {"name__icontains": "TASK 9", "is_finished": "true"}),
    ("flow_type", {"id__in": "1,2,3,50000", "creator": "bench"}),
]


def _tree(chain: list[list[str]]) -> dict[str, Any]:
    """A web tree from a list of stages; a stage of several ids is a parallel block."""
    acts: dict[str, Any] = {}
    gateways: dict[str, Any] = {}
    flows: dict[str, Any] = {}
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}

    def link(source: str, target: str) -> None:
        flow_id = f"f{len(flows)}"
        flows[flow_id] = {"id": flow_id, "source": source, "target": target, "is_default": False}
        outgoing.setdefault(source, []).append(flow_id)
        incoming.setdefault(target, []).append(flow_id)

    previous = "start"
    for number, stage in enumerate(chain):
        if len(stage) == 1:
            link(previous, stage[0])
            previous = stage[0]
            continue
        fork, join = f"pg{number}", f"cg{number}"
        gateways[fork] = {"id": fork, "type": "ParallelGateway", "name": ""}
        gateways[join] = {"id": join, "type": "ConvergeGateway", "name": ""}
        link(previous, fork)
        for branch in stage:
            steps = branch.split("+")
            link(fork, steps[0])
            for left, right in itertools.pairwise(steps):
                link(left, right)
            link(steps[-1], join)
        previous = join
    link(previous, "end")
    names = {n for stage in chain for branch in stage for n in branch.split("+")}
    for name in names:
        acts[name] = {
            "id": name,
            "type": "ServiceActivity",
            "name": name,
            "component": {"code": "job", "data": {}},
            "optional": False,
            "error_ignorable": False,
        }
    nodes = {**acts, **gateways}
    for node_id, node in nodes.items():
        node["incoming"] = incoming[node_id]
        many = node.get("type") == "ParallelGateway"
        node["outgoing"] = outgoing[node_id] if many else outgoing[node_id][0]
    return {
        "start_event": {"id": "start", "type": "EmptyStartEvent", "name": "", "incoming": "",
                        "outgoing": outgoing["start"][0]},
        "end_event": {"id": "end", "type": "EmptyEndEvent", "name": "", "incoming": incoming["end"],
                      "outgoing": ""},
        "activities": acts,
        "gateways": gateways,
        "flows": flows,
        "constants": {},
        "outputs": [],
    }  # fmt: skip


def twenty_nodes() -> dict[str, Any]:
    """start, a1..a5, a parallel block of 4 branches x 2 activities, z1..z3, end: 20 nodes."""
    stages = [[f"a{i}"] for i in range(1, 6)]
    stages.append([f"b{i}x+b{i}y" for i in range(1, 5)])
    stages += [[f"z{i}"] for i in range(1, 4)]
    return _tree(stages)


def line(nodes: int) -> dict[str, Any]:
    return _tree([[f"n{i}"] for i in range(nodes - 2)])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_tasks(count: int, stepped: bool = True, counts: bool = False) -> dict[str, float]:
    """Create, start and run `count` tasks to the end.

    stepped: move the clock from one due time to the next, as the control API's "run until
    idle" does (one engine call per distinct due time); otherwise move it once, far enough.
    counts: then time query_task_count over them (`count <n>` figures, best of 5, in seconds).
    """
    clock = VirtualClock(T0)
    book = ScenarioBook(components={"job": Scenario(duration=5, jitter=2)})
    engine = Engine(clock, seed=1, scenarios=book)
    template = TemplateSpec(1, 1, "bench", "OpsTools", twenty_nodes())
    figures: dict[str, float] = {}
    began = time.perf_counter()
    for number in range(count):
        engine.create_task(template, name=f"task {number}", creator="bench", project_id=1)
    figures["create"] = time.perf_counter() - began
    began = time.perf_counter()
    for task_id in range(1, count + 1):
        engine.start_task(task_id, "bench")
    figures["start"] = time.perf_counter() - began
    began = time.perf_counter()
    steps = 0
    if stepped:
        while (due := engine.next_due()) is not None:
            clock.set(due)
            engine.sync()
            steps += 1
    else:
        clock.advance(3600)
        engine.sync()
        steps = 1
    figures["run"] = time.perf_counter() - began
    finished = engine.count(1, "status", {}).groups
    assert finished[-1] == ("FINISHED", count), finished
    figures["clock steps"] = steps
    figures["virtual s"] = (clock.now() - T0).total_seconds()
    if counts:
        for number, (group_by, conditions) in enumerate(COUNTS):
            timings = []
            for _ in range(5):
                began = time.perf_counter()
                engine.count(1, group_by, conditions)
                timings.append(time.perf_counter() - began)
            figures[f"count {number}"] = min(timings)
    return figures


def render_cost(nodes: int, repeat: int) -> tuple[float, float]:
    """Seconds per status tree of a finished task with `nodes` nodes: rendered from scratch, and
    read through the engine (rendered once per task change, copied per read)."""
    clock = VirtualClock(T0)
    engine = Engine(clock, seed=1, scenarios=ScenarioBook(components={"job": Scenario(duration=0)}))
    task = engine.create_task(
        TemplateSpec(2, 1, "line", "OpsTools", line(nodes)), name="t", creator="b", project_id=1
    )
    engine.start_task(task.id, "b")
    clock.advance(1)
    tree = engine.status_tree(task.id, tz=UTC, poll=False)
    assert tree["state"] == "FINISHED" and len(tree["children"]) == nodes
    runtime, now = engine._tasks[task.id].runtime, views.to_us(clock.now())
    began = time.perf_counter()
    for _ in range(repeat):
        views.status_tree(runtime, "t", now, UTC)
    fresh = (time.perf_counter() - began) / repeat
    began = time.perf_counter()
    for _ in range(repeat):
        engine.status_tree(task.id, tz=UTC, poll=False)
    return fresh, (time.perf_counter() - began) / repeat


def profiled(work: Callable[[], object], top: int) -> str:
    profile = cProfile.Profile()
    profile.enable()
    work()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="print the top functions by time")
    parser.add_argument(
        "--mode", choices=("stepped", "jump", "both"), default="both",
        help="stepped: clock to each next due time (run until idle); jump: one clock move",
    )  # fmt: skip
    args = parser.parse_args()
    if args.profile:
        print(profiled(lambda: run_tasks(args.tasks), 25))
        return
    print(f"{args.tasks:,} tasks of a 20-node template (parallel block of 4 x 2), to the end")
    print(f"{'mode':<9}{'create s':>10}{'start s':>10}{'run s':>10}{'total s':>10}{'steps':>12}")
    modes = ("stepped", "jump") if args.mode == "both" else (args.mode,)
    for mode in modes:
        gc.collect()  # an earlier run's engine is garbage held in cycles: free it first
        began = time.perf_counter()
        figures = run_tasks(args.tasks, stepped=mode == "stepped", counts=mode == modes[-1])
        total = (
            time.perf_counter()
            - began
            - sum(figures.get(f"count {i}", 0) * 5 for i in range(len(COUNTS)))
        )
        print(
            f"{mode:<9}{figures['create']:>10.2f}{figures['start']:>10.2f}{figures['run']:>10.2f}"
            f"{total:>10.2f}{int(figures['clock steps']):>12,}"
        )
        if mode == "stepped":
            virtual = timedelta(seconds=figures["virtual s"])
            print(f"{'':<9}(virtual time from the first start to the last finish: {virtual})")
    print(f"peak RSS {peak_rss_mb():,.0f} MB (resource.getrusage)")
    print()
    print(f"query_task_count over {args.tasks:,} tasks (best of 5)")
    for number, (group_by, conditions) in enumerate(COUNTS):
        shown = f"group_by={group_by} {conditions or ''}"
        print(f"  {shown:<66}{figures[f'count {number}'] * 1000:>8.1f} ms")
    gc.collect()  # the task runs above leave cycles behind; do not time their collection
    print()
    print(f"{'status tree':<14}{'render ms':>10}{'us/node':>9}{'read ms':>10}{'us/node':>9}")
    for nodes, repeat in ((10, 2000), (100, 200), (1000, 20), (10_000, 3)):
        fresh, read = render_cost(nodes, repeat)
        print(
            f"{nodes:>6} nodes  {fresh * 1000:>10.3f}{fresh * 1e6 / nodes:>9.2f}"
            f"{read * 1000:>10.3f}{read * 1e6 / nodes:>9.2f}"
        )


if __name__ == "__main__":
    main()
