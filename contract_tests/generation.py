"""The schemathesis schema the suite fuzzes: the generated OpenAPI, aimed at the target's data.

Every row of `schemas.OPERATIONS` is covered; which ones run depends on the target only: an
operation that may write needs --allow-destructive on a base URL, and an operation the API
gateway does not publish is left out on the gateway family.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from schemas import OPERATIONS, build_openapi

from .options import RunSettings
from .target import Target, is_destructive

# Scenario length of the state machine (create, then up to this many calls on the task).
STATEFUL_STEPS = 8


def split_operations(target: Target, destructive: bool) -> tuple[list[str], dict[str, str]]:
    """The operations of one kind (read-only or destructive) to run, and the skipped ones (why)."""
    chosen: list[str] = []
    skipped: dict[str, str] = {}
    for op in OPERATIONS:
        if is_destructive(op) != destructive:
            continue
        if target.family == "gateway" and not op.on_gateway:
            skipped[op.name] = "not published on the API gateway"
        elif destructive and not target.allow_destructive:
            skipped[op.name] = "writes: needs --allow-destructive"
        else:
            chosen.append(op.name)
    return chosen, skipped


def contract_config(run: RunSettings) -> Any:
    """Bounded, seeded generation; explicit OpenAPI links only for the state machine."""
    text = f"""
seed = {run.seed}

[generation]
max-examples = {run.max_examples}
no-shrink = true
database = "none"
allow-extra-parameters = false
with-security-parameters = false

[phases.stateful]
max-steps = {STATEFUL_STEPS}

[phases.stateful.inference]
algorithms = []
"""
    return schemathesis.Config.from_str(text)


def build_schema(target: Target, run: RunSettings, operations: list[str]) -> Any:
    """The OpenAPI of `operations` as a schemathesis schema, ids pinned to the target's data."""
    document = build_openapi()
    # Filtered in the document itself: the pytest plugin replaces a lazy schema's filters.
    keep = set(operations)
    document["paths"] = {
        path: item
        for path, item in document["paths"].items()
        if any(entry.get("operationId") in keep for entry in item.values())
    }
    for item in document["paths"].values():
        for entry in item.values():
            for answer in entry.get("responses", {}).values():
                links = answer.get("links")
                if links:  # a link to a left-out operation would make the state machine invalid
                    answer["links"] = {
                        name: link for name, link in links.items() if link["operationId"] in keep
                    }
    schema = schemathesis.openapi.from_dict(document, config=contract_config(run))
    pins = {f"path.{name}": value for name, value in target.pins().items()}
    schema.config.update(parameters=pins)
    return schema
