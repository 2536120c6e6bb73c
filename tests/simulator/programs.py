"""A rich template and random operation programs, shared by the record and property tests."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from hypothesis import strategies as st

from simulator import Engine, SimulatorError, ids

from .builders import Tree, spec


def rich_tree() -> dict[str, Any]:
    """start -> a -> pg -> [b (callback) | s (sub: x (poll) -> y)] -> cg -> g -> [c | d] -> m -> end

    d fails its first run, g fails unless ${n} is 1 or 2.
    """
    inner = Tree().act("x", "poller").act("y").chain("start", "x", "y", "end").build()
    tree = Tree().act("a").act("b", "pause_node").sub("s", inner).act("c").act("d", "flaky")
    tree.pg("pg").cg("cg").eg("g").cg("m").var("n", 1)
    tree.chain("start", "a", "pg", "b", "cg", "g", "c", "m", "end").chain("pg", "s", "cg").chain(
        "g", "d", "m"
    )
    tree.cond("g", "c", "${n} == 1").cond("g", "d", "${n} >= 2")
    return tree.build()


SCENARIOS: dict[str, dict[str, Any]] = {
    "flaky": {"outcome": "fail_then_succeed", "fail_times": 1, "duration": 2, "jitter": 1},
    "poller": {"outcome": "poll", "polls": 1, "duration": 1},
    "broken": {"outcome": "fail", "duration": 1, "ex_data": "broken"},
    "demo": {"duration": 1, "jitter": 0.5},
}
TEMPLATE = spec(rich_tree())
PATHS = [
    "start",
    "a",
    "pg",
    "b",
    "s",
    "s/start",
    "s/x",
    "s/y",
    "s/end",
    "cg",
    "g",
    "c",
    "d",
    "m",
    "end",
]
FLOWS = ["f_g_c", "f_g_d"]
NODE_ACTIONS = [
    "retry", "skip", "skip_exg", "callback", "forced_fail", "pause", "resume",
    "pause_subproc", "resume_subproc", "retry_subprocess",
]  # fmt: skip


def new_engine(seed: int, clock) -> Engine:
    engine = Engine(clock, seed)
    for code, scenario in SCENARIOS.items():
        engine.scenarios.set_component(code, scenario)
    return engine


def create(engine: Engine, n: Any = 1, project_id: int = 1) -> int:
    return engine.create_task(
        TEMPLATE, name="rich", creator="u", project_id=project_id, constants={"${n}": n}
    ).id


# weighted towards operations that move a started task along
LIKELY = ["c", "c", "b", "d", "d", "s/x", "g", "g"]
simple_ops = st.sampled_from(
    [
        *[("pause",), ("resume",), ("revoke",), ("start",), ("poll",), ("poll",), ("poll",)],
        *[("callback", "b", False), ("callback", "b", True), ("callback", "b", False)],
    ]
)
task_ops = st.one_of(
    simple_ops,
    simple_ops,
    st.tuples(
        st.just("node"),
        st.sampled_from(["retry", "retry", "skip", "skip_exg"]),
        st.sampled_from(LIKELY),
        st.sampled_from(FLOWS),
    ),
    st.tuples(
        st.just("node"),
        st.sampled_from(NODE_ACTIONS),
        st.sampled_from(PATHS),
        st.sampled_from(FLOWS),
    ),
    st.tuples(st.just("callback"), st.sampled_from(PATHS), st.booleans()),
    st.tuples(
        st.just("scenario"),
        st.sampled_from(["a", "c", "d", "s/y"]),
        st.sampled_from(list(SCENARIOS)),
    ),
)
steps = st.tuples(st.sampled_from([0, 0, 0.5, 1, 2, 5]), task_ops)
programs = st.builds(
    lambda started, rest: [(0, ("start",))] * started + rest,
    st.sampled_from([1, 1, 1, 1, 0]),
    st.lists(steps, min_size=0, max_size=25),
)


def apply(engine: Engine, task_id: int, op: tuple) -> Any:
    """Run one operation; an error is an outcome like any other."""

    def node(path: str) -> str:
        return ids.node_id(engine.seed, task_id, path)

    try:
        kind = op[0]
        if kind == "start":
            engine.start_task(task_id, "u")
        elif kind == "pause":
            engine.pause_task(task_id)
        elif kind == "resume":
            engine.resume_task(task_id)
        elif kind == "revoke":
            engine.revoke_task(task_id)
        elif kind == "poll":
            return engine.status_tree(task_id, tz=UTC)
        elif kind == "node":
            _, action, path, flow = op
            flow_id = ids.flow_id(engine.seed, task_id, flow)
            engine.operate_node(task_id, node(path), action, flow_id=flow_id, operator="bot")
        elif kind == "callback":
            _, path, with_version = op
            version = None
            if with_version:
                detail = engine.node_detail(task_id, node(path))
                version = detail.version or "vnone"
            engine.node_callback(task_id, node(path), {"via": "cb"}, version=version)
        else:
            _, path, name = op
            engine.set_node_scenario(task_id, node(path), SCENARIOS[name])
        return "ok"
    except SimulatorError as error:
        return (type(error).__name__, str(error))


def observe(engine: Engine, task_id: int) -> dict[str, Any]:
    """Everything visible about a task, without polling it."""
    info = engine.task(task_id)
    return {
        "status": engine.status_tree(task_id, tz=UTC, poll=False),
        "info": info,
        "tree": info.pipeline_tree,
        "failed": engine.failed_ex_data(task_id),
        "details": [
            engine.node_detail(task_id, ids.node_id(engine.seed, task_id, p)) for p in PATHS
        ],
        "ops": engine.record(task_id)["ops"],
    }
