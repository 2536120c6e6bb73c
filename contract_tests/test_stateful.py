"""Stateful conformance: the OpenAPI links drive scenarios; lifecycle invariants are checks."""

from __future__ import annotations

import pytest

from .generation import build_schema, split_operations
from .stateful import linked_operations, run_workflow


@pytest.mark.destructive
def test_task_workflow(aimed_client, contract_run, contract_recorder):
    target = aimed_client.target
    chosen = set(split_operations(target, True)[0]) | set(split_operations(target, False)[0])
    names = [name for name in linked_operations() if name in chosen]
    # Links carry the task id from create_task: only project and template stay pinned.
    schema = build_schema(target.with_(task_id=None), contract_run, names)
    run_workflow(schema, aimed_client, contract_recorder, contract_run.seed, contract_run.scenarios)
