"""One operation call, as handlers see it: its parameters, project, caller and trace id."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

import orjson

import schemas
from schemas.operations import Operation

from .auth import Identity
from .catalog import Project
from .errors import REQUEST_PARAM_INVALID, VALIDATION_ERROR, ApiError
from .inbound import Family
from .language import Language, pick
from .memo import Memo
from .timefmt import zone

# Larger parameter sets are validated every time rather than kept in the memo.
MEMO_MAX_BYTES = 4096
# Django REST framework's BooleanField spellings.
_TRUE = frozenset(
    {"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1"}
)
_FALSE = frozenset(
    {"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0"}
)


@dataclass(slots=True)  # one per request
class Call:
    op: Operation
    family: Family
    params: dict[str, Any]
    ids: dict[str, int]
    body_empty: bool
    project: Project | None
    identity: Identity
    language: Language
    trace_id: str
    default_tz: tzinfo
    extra: dict[str, Any] = field(default_factory=dict)
    # A fault rule's dead worker: a start this call queues never runs (startqueue.py).
    lost_start: bool = False

    @property
    def name(self) -> str:
        return self.op.name

    def require_project(self) -> Project:
        assert self.project is not None, f"{self.op.name} has no project id"
        return self.project

    def schema_failure(self, memo: Memo | None = None) -> schemas.ValidationFailure | None:
        """The first way the parameters break the operation's request schema, if any.

        With a memo, the verdict is kept per exact parameters (their JSON bytes, which tell
        1 from 1.0 and true): clients under load send the same body again and again.
        """
        instance = {**self.params, **self.ids}
        if memo is None:
            return schemas.validate(self.op.name, "request", instance)
        try:
            exact = orjson.dumps(instance)
        except TypeError:  # not plain JSON data (an integer past 64 bits)
            return schemas.validate(self.op.name, "request", instance)
        if len(exact) > MEMO_MAX_BYTES:
            return schemas.validate(self.op.name, "request", instance)
        return memo.get_or_make(  # type: ignore[no-any-return]
            ("request schema", self.op.name, exact),
            lambda: schemas.validate(self.op.name, "request", instance),
        )

    def text(self, zh: str, en: str) -> str:
        return pick(self.language, zh, en)

    def tz(self) -> tzinfo:
        """The zone for times: `expected_timezone` when given and known (bk-sops's rule)."""
        name = self.params.get("expected_timezone")
        if name is None:
            return self.default_tz
        found = zone(name) if isinstance(name, str) else None
        if found is None:
            raise ApiError(
                VALIDATION_ERROR, f"expected_timezone {name} is unknown.", trace=False, data=""
            )
        return found

    def serializer_flags(self, names: tuple[str, ...]) -> dict[str, bool]:
        """Boolean query flags read as DRF reads them; errors come back as DRF's dict."""
        flags: dict[str, bool] = {}
        errors: dict[str, Any] = {}
        for name in names:
            if name == "format":
                continue
            value = self.params.get(name)
            # DRF reads a blank query value of a non-required field as absent (its default).
            if value is None or value is False or value == "":
                flags[name] = False
            elif value is True or value in _TRUE:
                flags[name] = True
            elif value in _FALSE:
                flags[name] = False
            else:
                errors[name] = ["Must be a valid boolean."]
        fmt = self.params.get("format") or "json"
        if "format" in names and fmt not in ("json", "yaml"):
            errors["format"] = [
                self.text(f"“{fmt}” 不是合法选项。", f'"{fmt}" is not a valid choice.')
            ]
        if errors:
            raise ApiError(REQUEST_PARAM_INVALID, errors)
        return flags
