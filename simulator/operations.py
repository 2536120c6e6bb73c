"""Node operations (bk-sops operate_node / node_callback) with bamboo-engine's preconditions.

Each function checks in the engine's order and raises with the engine's text; on success it
changes states and lets the affected process run on at the same clock reading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import activities, ids
from . import states as S
from . import tree as t
from .errors import CallbackError, InvalidOperation, NodeOperationError, RecordMissing
from .plan import PlanNode
from .runtime import NodeState, Process, TaskRuntime


def _node(rt: TaskRuntime, idx: int) -> PlanNode:
    """bamboo's get_node, the first lookup of most actions: no Node rows before the start."""
    if rt.root is None:
        raise RecordMissing("Node", node_id=rt.id_of(idx))
    return rt.plan.nodes[idx]


def _failed_and_sleeping(rt: TaskRuntime, idx: int) -> tuple[NodeState, Process]:
    node_id = rt.id_of(idx)
    st = rt.states.get(idx)
    if st is None:
        raise RecordMissing("State", node_id=node_id)
    if st.state != S.FAILED:
        message = f"{node_id} state is not FAILED, actual {st.state}"
        raise NodeOperationError(message, node_id=node_id, state=st.state)
    process = rt.sleeping_at(idx)
    if process is None:
        message = f"can not find sleep process with current node id: {node_id}"
        raise NodeOperationError(message, node_id=node_id, state=st.state)
    return st, process


def _target(rt: TaskRuntime, idx: int, flow_id: str) -> int:
    node = rt.plan.nodes[idx]
    for flow in node.outgoing:
        if ids.flow_id(rt.seed, rt.task_id, rt.plan.flow_path(node, flow)) == flow_id:
            return node.targets[flow]
    message = f"flow({flow_id}) is not an outgoing flow of node({rt.id_of(idx)})"
    raise NodeOperationError(message, node_id=rt.id_of(idx))


def _type_error(rt: TaskRuntime, idx: int, text: str) -> NodeOperationError:
    return NodeOperationError(text, node_id=rt.id_of(idx))


def _rerun(rt: TaskRuntime, idx: int, st: NodeState, process: Process, at: int) -> None:
    """Put a failed node back to READY (a retry, a new version) and run it again at once."""
    rt.history(idx, st)
    rt.transit(idx, st, S.READY)
    st.retry += 1
    rt.refresh_version(idx, st)
    st.started = st.archived = None
    process.asleep = False
    rt.run(process, idx, at)


def retry(rt: TaskRuntime, idx: int, inputs: Mapping[str, Any] | None, at: int) -> None:
    """Retry a failed node; `inputs` (when not None) replace its inputs from now on.

    bk-sops reads the node's Data row first (to keep `__executor_proxy` and the keys not to
    render), so a node without one (not started, a gateway, an event) fails there. As bamboo's
    set_data_inputs, the given keys are all the node's inputs afterwards, rendered at each run
    except those listed in `_escape_render_keys`.
    """
    if not rt.has_data(idx):
        raise RecordMissing("Data", node_id=rt.id_of(idx))
    node = _node(rt, idx)
    if not node.can_retry:
        raise _type_error(rt, idx, f"can not retry node({rt.id_of(idx)}) with can_retry(False)")
    st, process = _failed_and_sleeping(rt, idx)
    if inputs is not None:
        given = dict(inputs)
        escaped = given.pop("_escape_render_keys", []) if given else []
        if not isinstance(escaped, list | str | dict):
            escaped = []
        st.retry_inputs = {key: (key not in escaped, value) for key, value in given.items()}
    _rerun(rt, idx, st, process, at)


def skip(rt: TaskRuntime, idx: int, at: int) -> None:
    node = _node(rt, idx)
    if not node.can_skip:
        raise _type_error(rt, idx, "can not skip this node")
    if node.kind not in (t.ACTIVITY, t.START):
        raise _type_error(rt, idx, f"can not use skip_node api for NodeType.{node.kind}")
    st, process = _failed_and_sleeping(rt, idx)
    _skip_finish(rt, idx, st, at)
    process.asleep = False
    rt.run(process, node.next, at)


def _skip_finish(rt: TaskRuntime, idx: int, st: NodeState, at: int) -> None:
    rt.history(idx, st)
    rt.transit(idx, st, S.FINISHED)
    st.skip = True
    rt.refresh_version(idx, st)
    st.archived = at


def skip_exclusive_gateway(rt: TaskRuntime, idx: int, flow_id: str, at: int) -> None:
    node = _node(rt, idx)
    if node.kind != t.EXCLUSIVE:
        text = f"{rt.id_of(idx)} is not exclusive gateway, actual: {node.kind}"
        raise _type_error(rt, idx, text)
    target = _target(rt, idx, flow_id)
    st, process = _failed_and_sleeping(rt, idx)
    _skip_finish(rt, idx, st, at)
    process.asleep = False
    rt.run(process, target, at)


def skip_conditional_parallel_gateway(
    rt: TaskRuntime, idx: int, flow_ids: Sequence[str], at: int
) -> None:
    node = _node(rt, idx)
    if node.kind != t.CONDITIONAL:
        text = f"{rt.id_of(idx)} is not conditional parallel gateway, actual: {node.kind}"
        raise _type_error(rt, idx, text)
    st, process = _failed_and_sleeping(rt, idx)
    if not flow_ids:
        raise _type_error(rt, idx, "flow_ids is empty: nothing to run")
    targets = [_target(rt, idx, flow_id) for flow_id in flow_ids]
    rt.fork(process, targets, node.converge)
    _skip_finish(rt, idx, st, at)
    rt.drain(at)


def forced_fail(rt: TaskRuntime, idx: int, ex_data: str, at: int) -> None:
    node, node_id = _node(rt, idx), rt.id_of(idx)
    if node.kind != t.ACTIVITY:
        raise _type_error(rt, idx, f"{node_id} is not activity, actual: {node.kind}")
    st = rt.states.get(idx)
    if st is None:
        raise RecordMissing("State", node_id=node_id)
    if st.state != S.RUNNING:
        text = f"{node_id} state is not RUNNING, actual: {st.state}"
        raise NodeOperationError(text, node_id=node_id, state=st.state)
    process = next((p for p in rt.procs if not p.dead and p.current == idx), None)
    if process is None:
        text = f"can not find process with current node id: {node_id}"
        raise NodeOperationError(text, node_id=node_id, state=st.state)
    rt.transit(idx, st, S.FAILED)
    rt.refresh_version(idx, st)
    st.archived = at
    st.outputs = {**(st.outputs or {}), "_forced_failed": True}
    st.ex_data, st.waiting, st.ok = ex_data, "", False
    process.asleep = True


def callback(
    rt: TaskRuntime, idx: int, data: Mapping[str, Any] | None, version: str | None, at: int
) -> None:
    """bamboo's callback, in its order: the sleeping process, the schedule of `version` (the
    current one when None, as bk-sops reads it), the version, the schedule's flags.

    An accepted callback runs the schedule: a node waiting for it finishes; a node no longer
    running (failed, paused) expires the schedule instead; a timed or polling run takes the
    data and goes on as before (its plugin decides, and the mock's plugins ignore it).
    """
    node_id = rt.id_of(idx)
    process = rt.sleeping_at(idx)
    st = rt.states.get(idx)
    if process is None or st is None:
        text = f"can not find sleep process with current node id: {node_id}"
        raise CallbackError(text, node_id=node_id, action="callback")
    no_schedule = RecordMissing("Schedule", node_id=node_id, state=st.state, action="callback")
    if version and version != rt.version_of(idx, st):
        past = (rt.past_schedules or {}).get(idx, ())
        if not any(rt.version_at(idx, serial) == version for serial in past):
            raise no_schedule
        # bamboo expires that earlier schedule, which changes nothing visible
        raise CallbackError(f"node version {version} not exist", node_id=node_id, state=st.state)
    if not st.schedule:
        raise no_schedule
    if st.schedule != "open":
        text = f"schedule is already {st.schedule}"
        raise CallbackError(text, node_id=node_id, state=st.state, action="callback")
    if st.state != S.RUNNING:
        st.schedule = "expired"
    elif st.waiting == "callback":
        node = rt.plan.nodes[idx]
        following = activities.complete(rt, process, node, st, at, True, extra=data or {})
        if following >= 0:
            rt.run(process, following, at)


def pause_node(rt: TaskRuntime, idx: int) -> None:
    """Appoint a pause: a process reaching the node stops before running it."""
    _appointable(rt, _node(rt, idx), idx)
    st = rt.states.get(idx)
    if st is None:
        rt.states[idx] = NodeState(S.SUSPENDED)
    else:
        rt.transit(idx, st, S.SUSPENDED)


def resume_node(rt: TaskRuntime, idx: int, at: int) -> None:
    _appointable(rt, _node(rt, idx), idx)
    st = rt.states.get(idx)
    if st is None:
        rt.states[idx] = NodeState(S.READY)
    else:
        rt.transit(idx, st, S.READY)
    rt.resume_suspended(idx, at)


def _appointable(rt: TaskRuntime, node: PlanNode, idx: int) -> None:
    kind = node.kind
    if kind == t.SUBPROCESS:
        raise _type_error(rt, idx, f"can not use pause_node_appoint api for NodeType.{kind}")


def pause_pipeline(rt: TaskRuntime, idx: int) -> None:
    st = rt.state_of(idx)
    if st is None:
        raise RecordMissing("Pipeline", node_id=rt.id_of(idx))
    rt.transit(idx, st, S.SUSPENDED)


def resume_pipeline(rt: TaskRuntime, idx: int, at: int) -> None:
    node_id = rt.id_of(idx)
    st = rt.state_of(idx)
    if st is None:
        raise RecordMissing("State", node_id=node_id)
    if st.state != S.SUSPENDED:
        text = f"pipeline({node_id}) state is: {st.state}"
        raise InvalidOperation(text, node_id=node_id, state=st.state, action="resume")
    rt.transit(idx, st, S.RUNNING)
    rt.resume_suspended(idx, at)


def retry_subprocess(rt: TaskRuntime, idx: int, at: int) -> None:
    if _node(rt, idx).kind != t.SUBPROCESS:
        raise _type_error(rt, idx, f"node({rt.id_of(idx)}) type is not SubProcess")
    st, process = _failed_and_sleeping(rt, idx)
    if process.stack and process.stack[-1] == idx:
        process.stack.pop()
    _rerun(rt, idx, st, process, at)
