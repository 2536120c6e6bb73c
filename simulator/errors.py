"""Domain errors of the simulator: data-carrying exceptions, no HTTP codes.

The mock server maps each class to a bk-sops code and message in one place. Messages repeat the
texts of bamboo-engine / bk-sops where the reference gives them, so the server can pass them on.

    SimulatorError
    ├── TaskNotFound              task_id
    ├── NodeNotFound              task_id, node_id
    ├── InvalidTree               node_id, rule, detail
    ├── ExcludeNodeError          node_id, reason ("not_in_tree" | "not_optional")
    ├── InvalidScenario           field, value
    ├── TaskAlreadyStarted        task_id
    ├── TaskNotStarted            task_id, action
    ├── IllegalTransition         node_id, from_state, to_state
    ├── InvalidOperation          task_id, node_id, state, action, message
    │   ├── NodeOperationError    (retryable/skippable flags, node type, node state, flow ids)
    │   ├── CallbackError         (no sleeping process, stale version, finished or expired)
    │   └── RecordMissing         record: the engine's lookup that found nothing
    └── InvalidCondition          key, value
"""

from __future__ import annotations

from typing import Any


class SimulatorError(Exception):
    """Base of every error the engine raises on purpose."""


class TaskNotFound(SimulatorError):
    def __init__(self, task_id: int) -> None:
        self.task_id = task_id
        super().__init__(f"task[id={task_id}] does not exist")


class NodeNotFound(SimulatorError):
    def __init__(self, task_id: int, node_id: str) -> None:
        self.task_id = task_id
        self.node_id = node_id
        super().__init__(f"task[{task_id}] does not have node[{node_id}]")


class InvalidTree(SimulatorError):
    """The web pipeline tree breaks a validation rule; `rule` names which one."""

    def __init__(self, node_id: str, rule: str, detail: str) -> None:
        self.node_id = node_id
        self.rule = rule
        self.detail = detail
        super().__init__(f"node[{node_id}] breaks rule {rule}: {detail}")


class ExcludeNodeError(SimulatorError):
    def __init__(self, node_id: str, reason: str) -> None:
        self.node_id = node_id
        self.reason = reason
        text = "is not optional" if reason == "not_optional" else "is not in template pipeline tree"
        super().__init__(f"task node[id={node_id}] {text}")


class InvalidScenario(SimulatorError):
    def __init__(self, field: str, value: Any) -> None:
        self.field = field
        self.value = value
        super().__init__(f"invalid scenario {field}: {value!r}")


class TaskAlreadyStarted(SimulatorError):
    def __init__(self, task_id: int) -> None:
        self.task_id = task_id
        super().__init__("task already started")


class TaskNotStarted(SimulatorError):
    def __init__(self, task_id: int, action: str) -> None:
        self.task_id = task_id
        self.action = action
        super().__init__("task not started")


class IllegalTransition(SimulatorError):
    """A state change the bamboo transition table forbids (the runtime's `set_state`)."""

    def __init__(self, node_id: str, from_state: str, to_state: str) -> None:
        self.node_id = node_id
        self.from_state = from_state
        self.to_state = to_state
        super().__init__(f"can't not transit node({node_id}) state from {from_state} to {to_state}")


class InvalidOperation(SimulatorError):
    """An operation whose precondition does not hold; `message` is the engine's text."""

    def __init__(
        self,
        message: str,
        *,
        task_id: int | None = None,
        node_id: str | None = None,
        state: str | None = None,
        action: str | None = None,
    ) -> None:
        self.message = message
        self.task_id = task_id
        self.node_id = node_id
        self.state = state
        self.action = action
        super().__init__(message)


class NodeOperationError(InvalidOperation):
    """A node operation refused: flags, node type, node state or missing process."""


class CallbackError(InvalidOperation):
    """A callback refused: no waiting process, stale version or nothing to call back."""


class RecordMissing(InvalidOperation):
    """A node operation whose first lookup of a runtime record found nothing.

    `record` names what was looked up, as bamboo-engine 3.0.5 / bamboo-pipeline 4.0.4 do it:
    "Node", "State" or "Schedule" (a Django query: `<record> matching query does not exist.`),
    "Data" (bamboo's NotFoundError, no text) or "Pipeline" (pause_pipeline's own NotFoundError,
    `node(<id>) does not exist`). A task that has not started has no runtime records at all:
    bamboo writes them when the pipeline starts.
    """

    def __init__(
        self,
        record: str,
        *,
        node_id: str,
        task_id: int | None = None,
        state: str | None = None,
        action: str | None = None,
    ) -> None:
        self.record = record
        if record == "Data":
            text = ""
        elif record == "Pipeline":
            text = f"node({node_id}) does not exist"
        else:
            text = f"{record} matching query does not exist."
        super().__init__(text, task_id=task_id, node_id=node_id, state=state, action=action)


class InvalidCondition(SimulatorError):
    def __init__(self, key: str, value: Any) -> None:
        self.key = key
        self.value = value
        super().__init__(f"conditions[{key}={value!r}] have invalid key or value")
