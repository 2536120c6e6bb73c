"""Who bk-sops trusts and what each user may do: the fixture's `iam` section, indexed once.

bk-sops lets a few app codes through without asking IAM (`DEFAULT_APP_WHITELIST` in
gcloud/apigw/constants.py, extended by the APP_WHITELIST environment variable); every other
caller is checked by a view interceptor against the user's IAM policies. IAM itself is not
simulated: a grant names actions and, optionally, the project / template / task / common
template it is limited to. A grant covers a resource when each of its scope keys that applies
to the resource's kind matches it; keys that do not apply to that kind are ignored, so
`{"actions": ["common_flow_create_task"], "project_id": 1}` lets the user create tasks from any
common template in project 1 (that action checks a common_flow and a project resource).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

# gcloud/apigw/constants.py DEFAULT_APP_WHITELIST: trusted when a fixture names none.
DEFAULT_TRUSTED_APPS = frozenset(
    {"bk_fta", "bk_bcs", "bk_datainstaller", "bk_dataadmin", "bk_sops", "bk_paas", "bk_monitorv3"}
)
ANY_ACTION = "*"
# The scope keys of a grant, per resource kind: which key limits which id of the resource.
_APPLIES: dict[str, dict[str, str]] = {
    "project": {"project_id": "id"},
    "flow": {"project_id": "project", "template_id": "id"},
    "task": {"project_id": "project", "task_id": "id"},
    "common_flow": {"common_template_id": "id"},
    "periodic_task": {"project_id": "project"},
}
SCOPE_KEYS = ("project_id", "template_id", "task_id", "common_template_id")


class Resource(NamedTuple):
    """An IAM resource instance: its kind, id, and the project it lives in (None for common)."""

    kind: str
    id: int
    project: int | None


class Grant(NamedTuple):
    actions: frozenset[str]  # may hold ANY_ACTION
    scope: tuple[tuple[str, int], ...]

    def allows(self, action: str) -> bool:
        return ANY_ACTION in self.actions or action in self.actions

    def covers(self, resource: Resource) -> bool:
        applies = _APPLIES[resource.kind]
        for key, value in self.scope:
            field = applies.get(key)
            if field is not None and getattr(resource, field) != value:
                return False
        return True


class Policy:
    """The trusted app codes and every user's grants; read-only after construction.

    `grants` None means the fixture says nothing about grants: every user holds every action
    (the mock's behaviour before grants were modelled). Given, a user it does not name holds
    nothing.
    """

    def __init__(self, section: Mapping[str, Any] | None) -> None:
        section = section or {}
        trusted = section.get("trusted_apps")
        self.trusted_apps = DEFAULT_TRUSTED_APPS if trusted is None else frozenset(trusted)
        raw = section.get("grants")
        self.everyone_all = raw is None
        self._grants: dict[str, tuple[Grant, ...]] = {
            user: tuple(_grant(g) for g in grants) for user, grants in (raw or {}).items()
        }
        # Users with an unscoped "*" grant: answered without looking at resources.
        self._all = frozenset(
            user
            for user, grants in self._grants.items()
            if any(ANY_ACTION in g.actions and not g.scope for g in grants)
        )

    def is_trusted(self, app_code: str) -> bool:
        return app_code in self.trusted_apps

    def holds_all(self, username: str) -> bool:
        """Whether the user holds every action on everything (no per-resource work needed)."""
        if self.everyone_all:
            return True
        return any(ANY_ACTION in g.actions and not g.scope for g in self._grants.get(username, ()))

    def allowed(self, username: str, action: str, resources: Sequence[Resource]) -> bool:
        """IAM's is_allowed: one grant of the user must cover the action on every resource."""
        if self.everyone_all or username in self._all:
            return True
        for grant in self._grants.get(username, ()):
            if grant.allows(action) and all(grant.covers(r) for r in resources):
                return True
        return False

    def actions_on(self, username: str, actions: Iterable[str], resource: Resource) -> list[str]:
        """The actions of `actions` (in that order) the user holds on one resource."""
        return [a for a in actions if self.allowed(username, a, (resource,))]


def _grant(raw: Mapping[str, Any]) -> Grant:
    actions = raw.get("actions", [ANY_ACTION])
    scope = tuple((key, int(raw[key])) for key in SCOPE_KEYS if key in raw)
    return Grant(frozenset(actions), scope)
