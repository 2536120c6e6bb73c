"""A pure, deterministic task-lifecycle engine modelled on bamboo-engine. Standard library only.

`Engine(clock, seed, scenarios)` creates tasks from bk-sops web pipeline trees and runs them in
the clock's time: every public call first runs what fell due, then acts at the clock reading.
No HTTP, no threads, no wall clock (except `WallClock`). Modules:

    engine      the public operations; event queue; records and snapshots (with records.py)
    actions     task and node actions as tables, the operation log and its replay
    runtime     node states, branch processes, the execute loop; operations.py: node actions
    nodekinds   what the loop does per node kind (a table); activities: an activity's run
    tree        web-tree validation and converge matching; exclude.py: create-time pruning
    plan        a validated tree compiled to indexed nodes; instance.py: the execution tree
    conditions  `${var}` rendering and the boolrule-compatible parser (never eval)
    scenarios   what activities do; views: status tree, ex_data, node detail; counting
    states      the transition table; errors: the error hierarchy; ids: derived ids

Where it knowingly differs from bk-sops / bamboo-engine (each is also said where it is coded):
  * node operations on a revoked task are refused ("pipeline(<root>) state is: REVOKED");
  * re-entering a FINISHED node (a loop) clears its finish time instead of keeping it;
  * skip_cpg with no flows is refused instead of leaving the gateway waiting forever;
  * a status read is logged as an operation only when it counted as a poll;
  * a callback accepted by a timed or polling run is ignored (bamboo hands it to the plugin);
  * only plain `${name}` templates are rendered; other Mako expressions stay as text.
"""

from .clock import Clock, VirtualClock, WallClock
from .engine import Engine
from .errors import (
    CallbackError,
    ExcludeNodeError,
    IllegalTransition,
    InvalidCondition,
    InvalidOperation,
    InvalidScenario,
    InvalidTree,
    NodeNotFound,
    NodeOperationError,
    RecordMissing,
    SimulatorError,
    TaskAlreadyStarted,
    TaskNotFound,
    TaskNotStarted,
)
from .models import CountResult, NewTask, NodeDetail, NodeRun, TaskEnd, TaskInfo, TemplateSpec
from .scenarios import Scenario, ScenarioBook
from .states import TRANSITIONS

__all__ = [
    "TRANSITIONS",
    "CallbackError",
    "Clock",
    "CountResult",
    "Engine",
    "ExcludeNodeError",
    "IllegalTransition",
    "InvalidCondition",
    "InvalidOperation",
    "InvalidScenario",
    "InvalidTree",
    "NewTask",
    "NodeDetail",
    "NodeNotFound",
    "NodeOperationError",
    "NodeRun",
    "RecordMissing",
    "Scenario",
    "ScenarioBook",
    "SimulatorError",
    "TaskAlreadyStarted",
    "TaskEnd",
    "TaskInfo",
    "TaskNotFound",
    "TaskNotStarted",
    "TemplateSpec",
    "VirtualClock",
    "WallClock",
]
