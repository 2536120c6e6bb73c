"""The in-process target: a fresh sops-mock app, the only place the suite imports mockserver."""

from __future__ import annotations

from typing import Any


def build_app(seed: int, planted_faults: frozenset[str] = frozenset()) -> Any:
    """A mock on a virtual clock; it does not validate its own answers: the suite is the judge."""
    from mockserver.app import create_app
    from mockserver.settings import Settings

    settings = Settings(
        clock="virtual",
        seed=seed,
        validate_responses=False,
        planted_faults=planted_faults,
        # The lifecycle checks expect a read after an operation to show it; bk-sops's answer
        # caches (up to 60 s stale) would hide what the engine did.
        caches=False,
    )
    return create_app(settings)
