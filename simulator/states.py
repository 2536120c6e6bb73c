"""Node and pipeline states of bamboo-engine and its transition table, written as data."""

from __future__ import annotations

from typing import Final

from .errors import IllegalTransition

CREATED: Final = "CREATED"  # never written by the engine; bk-sops's "not started"
LOOP_READY: Final = "LOOP_READY"
READY: Final = "READY"
RUNNING: Final = "RUNNING"
SUSPENDED: Final = "SUSPENDED"
BLOCKED: Final = "BLOCKED"
FINISHED: Final = "FINISHED"
FAILED: Final = "FAILED"
REVOKED: Final = "REVOKED"
ROLLING_BACK: Final = "ROLLING_BACK"
ROLL_BACK_SUCCESS: Final = "ROLL_BACK_SUCCESS"
ROLL_BACK_FAILED: Final = "ROLL_BACK_FAILED"

# Shown by bk-sops's status formatter only: a RUNNING parent with a suspended child.
NODE_SUSPENDED: Final = "NODE_SUSPENDED"

ENGINE_STATES: Final = (
    READY,
    LOOP_READY,
    RUNNING,
    SUSPENDED,
    BLOCKED,
    FINISHED,
    FAILED,
    REVOKED,
    ROLLING_BACK,
    ROLL_BACK_SUCCESS,
    ROLL_BACK_FAILED,
)

# bamboo_engine.states.TRANSITION: which state a node may move to from each state.
# Writing a state onto itself is not a transition (SUSPENDED -> SUSPENDED fails).
TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    READY: frozenset({RUNNING, SUSPENDED}),
    LOOP_READY: frozenset({RUNNING, SUSPENDED}),
    RUNNING: frozenset({FINISHED, FAILED, REVOKED, SUSPENDED, ROLLING_BACK}),
    SUSPENDED: frozenset({READY, REVOKED, RUNNING, ROLLING_BACK}),
    BLOCKED: frozenset(),
    FINISHED: frozenset({RUNNING, FAILED, ROLLING_BACK}),
    FAILED: frozenset({READY, LOOP_READY, FINISHED}),
    REVOKED: frozenset(),
    ROLLING_BACK: frozenset({ROLL_BACK_SUCCESS, ROLL_BACK_FAILED}),
    ROLL_BACK_SUCCESS: frozenset({READY, FINISHED}),
    ROLL_BACK_FAILED: frozenset({READY, FINISHED, ROLLING_BACK}),
}

# The execute loop (re)starts a node only from one of these existing states.
RESTARTABLE: Final = frozenset({READY, FINISHED, LOOP_READY})

# A node that re-enters FINISHED more often than this fails (bamboo-pipeline's default).
RERUN_LIMIT: Final = 100


def can_transit(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


def check_transition(node_id: str, from_state: str, to_state: str) -> None:
    """Raise IllegalTransition unless the table allows `from_state -> to_state`."""
    if to_state not in TRANSITIONS.get(from_state, frozenset()):
        raise IllegalTransition(node_id, from_state, to_state)
