"""A pure, deterministic task-lifecycle engine modelled on bamboo-engine. Standard library only."""

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
    SimulatorError,
    TaskAlreadyStarted,
    TaskNotFound,
    TaskNotStarted,
)
from .models import CountResult, NodeDetail, NodeRun, TaskInfo, TemplateSpec
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
    "NodeDetail",
    "NodeNotFound",
    "NodeOperationError",
    "NodeRun",
    "Scenario",
    "ScenarioBook",
    "SimulatorError",
    "TaskAlreadyStarted",
    "TaskInfo",
    "TaskNotFound",
    "TaskNotStarted",
    "TemplateSpec",
    "VirtualClock",
    "WallClock",
]
