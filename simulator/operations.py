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
from .errors import CallbackError, InvalidOperation, NodeOperationError
from .runtime import NodeState, Process, TaskRuntime


def _failed_and_sleeping(rt: TaskRuntime, idx: int) -> tuple[NodeState, Process]:
    node_id = rt.id_of(idx)
    st = rt.states.get(idx)
    if st is None:
        raise NodeOperationError("State matching query does not exist.", node_id=node_id)
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
    st.serial += 1
    st.started = st.archived = None
    process.asleep = False
    rt.run(process, idx, at)


def retry(rt: TaskRuntime, idx: int, inputs: Mapping[str, Any] | None, at: int) -> None:
    node = rt.plan.nodes[idx]
    if not node.can_retry:
        raise _type_error(rt, idx, f"can not retry node({rt.id_of(idx)}) with can_retry(False)")
    st, process = _failed_and_sleeping(rt, idx)
    if inputs:
        st.retry_inputs = dict(inputs)
    _rerun(rt, idx, st, process, at)


def skip(rt: TaskRuntime, idx: int, at: int) -> None:
    node = rt.plan.nodes[idx]
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
    st.serial += 1
    st.archived = at


def skip_exclusive_gateway(rt: TaskRuntime, idx: int, flow_id: str, at: int) -> None:
    node = rt.plan.nodes[idx]
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
    node = rt.plan.nodes[idx]
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
    node, node_id = rt.plan.nodes[idx], rt.id_of(idx)
    if node.kind != t.ACTIVITY:
        raise _type_error(rt, idx, f"{node_id} is not activity, actual: {node.kind}")
    st = rt.states.get(idx)
    if st is None:
        raise NodeOperationError("State matching query does not exist.", node_id=node_id)
    if st.state != S.RUNNING:
        text = f"{node_id} state is not RUNNING, actual: {st.state}"
        raise NodeOperationError(text, node_id=node_id, state=st.state)
    process = next((p for p in rt.procs if not p.dead and p.current == idx), None)
    if process is None:
        text = f"can not find process with current node id: {node_id}"
        raise NodeOperationError(text, node_id=node_id, state=st.state)
    rt.transit(idx, st, S.FAILED)
    st.serial += 1
    st.archived = at
    st.outputs = {**(st.outputs or {}), "_forced_failed": True}
    st.ex_data, st.waiting, st.ok = ex_data, "", False
    process.asleep = True


def callback(
    rt: TaskRuntime, idx: int, data: Mapping[str, Any] | None, version: str | None, at: int
) -> None:
    node_id = rt.id_of(idx)
    process = rt.sleeping_at(idx)
    st = rt.states.get(idx)
    if process is None or st is None:
        text = f"can not find sleep process with current node id: {node_id}"
        raise CallbackError(text, node_id=node_id, action="callback")
    if version and version != rt.version_of(idx, st):
        raise CallbackError(f"node version {version} not exist", node_id=node_id, state=st.state)
    if st.state != S.RUNNING or st.waiting != "callback":
        text = "Schedule matching query does not exist."
        raise CallbackError(text, node_id=node_id, state=st.state, action="callback")
    node = rt.plan.nodes[idx]
    following = activities.complete(rt, process, node, st, at, True, extra=data or {})
    if following >= 0:
        rt.run(process, following, at)


def pause_node(rt: TaskRuntime, idx: int) -> None:
    """Appoint a pause: a process reaching the node stops before running it."""
    _appointable(rt, idx)
    st = rt.states.get(idx)
    if st is None:
        rt.states[idx] = NodeState(S.SUSPENDED)
    else:
        rt.transit(idx, st, S.SUSPENDED)


def resume_node(rt: TaskRuntime, idx: int, at: int) -> None:
    _appointable(rt, idx)
    st = rt.states.get(idx)
    if st is None:
        rt.states[idx] = NodeState(S.READY)
    else:
        rt.transit(idx, st, S.READY)
    if rt.root is not None:
        rt.resume_suspended(idx, at)


def _appointable(rt: TaskRuntime, idx: int) -> None:
    kind = rt.plan.nodes[idx].kind
    if kind == t.SUBPROCESS:
        raise _type_error(rt, idx, f"can not use pause_node_appoint api for NodeType.{kind}")


def pause_pipeline(rt: TaskRuntime, idx: int) -> None:
    st = rt.state_of(idx)
    if st is None:
        raise InvalidOperation(f"node({rt.id_of(idx)}) does not exist", node_id=rt.id_of(idx))
    rt.transit(idx, st, S.SUSPENDED)


def resume_pipeline(rt: TaskRuntime, idx: int, at: int) -> None:
    node_id = rt.id_of(idx)
    st = rt.state_of(idx)
    if st is None:
        raise InvalidOperation("State matching query does not exist.", node_id=node_id)
    if st.state != S.SUSPENDED:
        text = f"pipeline({node_id}) state is: {st.state}"
        raise InvalidOperation(text, node_id=node_id, state=st.state, action="resume")
    rt.transit(idx, st, S.RUNNING)
    rt.resume_suspended(idx, at)


def retry_subprocess(rt: TaskRuntime, idx: int, at: int) -> None:
    if rt.plan.nodes[idx].kind != t.SUBPROCESS:
        raise _type_error(rt, idx, f"node({rt.id_of(idx)}) type is not SubProcess")
    st, process = _failed_and_sleeping(rt, idx)
    if process.stack and process.stack[-1] == idx:
        process.stack.pop()
    _rerun(rt, idx, st, process, at)
