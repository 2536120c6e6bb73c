"""What an activity does when it runs: scenarios, and the book that picks one for a node.

A scenario says how long the node takes, whether it fails, waits for a callback or for status
polls, and what it outputs. The book resolves one per node, most specific first:
task node (set at run time on the engine) > (template id, template node id) > component code >
the built-in default for the component code > the generic default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Final

from .errors import InvalidScenario

OUTCOMES: Final = ("succeed", "fail", "fail_then_succeed", "callback", "poll")


@dataclass(frozen=True)
class Scenario:
    """How one activity run behaves.

    outcome: succeed | fail | fail_then_succeed (the first `fail_times` runs fail) | callback
    (waits for node_callback) | poll (finishes once `duration` has passed and the task's status
    tree was read `polls` times while the node ran). `duration_input` names a component input
    whose value (seconds) replaces `duration` (sleep_timer's bk_timing).
    """

    duration: float = 3.0
    jitter: float = 0.0
    outcome: str = "succeed"
    ex_data: str = "simulated failure"
    fail_times: int = 1
    polls: int = 1
    outputs: Mapping[str, Any] = field(default_factory=dict)
    duration_input: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise InvalidScenario("outcome", self.outcome)
        for name in ("duration", "jitter"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InvalidScenario(name, value)
        for name in ("fail_times", "polls"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidScenario(name, value)
        if not isinstance(self.ex_data, str):
            raise InvalidScenario("ex_data", self.ex_data)
        if not isinstance(self.outputs, Mapping):
            raise InvalidScenario("outputs", self.outputs)
        object.__setattr__(self, "outputs", MappingProxyType(dict(self.outputs)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        if not isinstance(data, Mapping):
            raise InvalidScenario("scenario", data)
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise InvalidScenario(key, data[key])
        return cls(**dict(data))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "duration": self.duration,
            "jitter": self.jitter,
            "outcome": self.outcome,
            "ex_data": self.ex_data,
            "fail_times": self.fail_times,
            "polls": self.polls,
            "outputs": json.loads(json.dumps(dict(self.outputs))),
        }
        if self.duration_input:
            out["duration_input"] = self.duration_input
        return out


ScenarioLike = Scenario | Mapping[str, Any]


def as_scenario(value: ScenarioLike) -> Scenario:
    """A Scenario, or one built from the fixture dict format."""
    return value if isinstance(value, Scenario) else Scenario.from_dict(value)


GENERIC_DEFAULT: Final = Scenario()

BUILT_IN: Final[Mapping[str, Scenario]] = MappingProxyType(
    {
        "sleep_timer": Scenario(duration=0.0, duration_input="bk_timing"),
        "pause_node": Scenario(outcome="callback"),
    }
)


class ScenarioBook:
    """Scenario defaults per component code and per template node; `version` counts changes."""

    def __init__(
        self,
        components: Mapping[str, Scenario] | None = None,
        template_nodes: Mapping[tuple[int, str], Scenario] | None = None,
    ) -> None:
        self._components: dict[str, Scenario] = dict(components or {})
        self._nodes: dict[tuple[int, str], Scenario] = dict(template_nodes or {})
        self.version = 0

    def set_component(self, code: str, scenario: ScenarioLike | None) -> None:
        """Set (or with None, clear) the scenario of every node of one component code."""
        if scenario is None:
            self._components.pop(code, None)
        else:
            self._components[code] = as_scenario(scenario)
        self.version += 1

    set_component_default = set_component

    def set_template_node(
        self, template_id: int, node_id: str, scenario: ScenarioLike | None
    ) -> None:
        """Set (or clear) the scenario of one node of one template (nested nodes included)."""
        if scenario is None:
            self._nodes.pop((template_id, node_id), None)
        else:
            self._nodes[(template_id, node_id)] = as_scenario(scenario)
        self.version += 1

    def load_fixture(
        self,
        scenario_defaults: Mapping[str, Mapping[str, Any]] | None = None,
        templates: Mapping[int, Mapping[str, Mapping[str, Any]]] | None = None,
    ) -> None:
        """Load a fixture's `scenario_defaults` and per-template `scenarios` dicts."""
        for code, data in (scenario_defaults or {}).items():
            self._components[code] = Scenario.from_dict(data)
        for template_id, nodes in (templates or {}).items():
            for node_id, data in nodes.items():
                self._nodes[(int(template_id), node_id)] = Scenario.from_dict(data)
        self.version += 1

    def resolve(self, template_id: int, template_node_id: str, code: str) -> Scenario:
        found = self._nodes.get((template_id, template_node_id))
        if found is None:
            found = self._components.get(code)
        if found is None:
            found = BUILT_IN.get(code, GENERIC_DEFAULT)
        return found

    def to_dict(self) -> dict[str, Any]:
        templates: dict[str, dict[str, Any]] = {}
        for (template_id, node_id), scenario in sorted(self._nodes.items()):
            templates.setdefault(str(template_id), {})[node_id] = scenario.to_dict()
        return {
            "components": {code: s.to_dict() for code, s in sorted(self._components.items())},
            "templates": templates,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScenarioBook:
        book = cls()
        book.load_fixture(data.get("components"), data.get("templates"))
        book.version = 0
        return book
