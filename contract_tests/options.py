"""The suite's command-line options and how they become a `Target` and run settings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

from .target import (
    CREDENTIAL_SOURCES,
    DEFAULT_SCOPE,
    FAMILIES,
    Credentials,
    Target,
    TargetError,
    detect_family,
    probe_mock,
    resolve_credentials,
)

# Aimed at the mock's default fixture: project bk_biz_id 2, template 31 (five nodes in a line).
IN_PROCESS_TEMPLATE = 31
DEFAULT_MAX_EXAMPLES = 20
DEFAULT_SCENARIOS = 12


@dataclass(frozen=True)
class RunSettings:
    seed: int
    max_examples: int
    scenarios: int
    report_path: str | None
    planted_faults: frozenset[str]


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "sops-mock contract suite")
    group.addoption(
        "--base-url", default=None, help="test a running mock or bk-sops (default: in-process)"
    )
    group.addoption(
        "--family",
        choices=("auto", *FAMILIES),
        default="auto",
        help="URL style of --base-url: backend (/apigw/), gateway (.../api/bk-sops/STAGE), "
        "esb (.../api/c/compapi/v2/sops); auto detects it from the path",
    )
    for option, env, _ in CREDENTIAL_SOURCES:
        group.addoption(option, default=None, help=f"credential (default: ${env})")
    group.addoption("--bk-biz-id", type=int, default=2, help="project to aim at (default 2)")
    group.addoption(
        "--scope", default=DEFAULT_SCOPE, help="what --bk-biz-id means: cmdb_biz or project"
    )
    group.addoption("--template-id", type=int, default=None, help="template to create tasks from")
    group.addoption("--task-id", type=int, default=None, help="existing task for read-only checks")
    group.addoption(
        "--allow-destructive",
        action="store_true",
        help="let tests create and operate tasks on --base-url (always allowed in-process)",
    )
    group.addoption("--control-token", default=os.environ.get("SOPS_MOCK_CONTROL_TOKEN"))
    group.addoption("--poll-timeout", type=float, default=120.0, help="seconds to wait for a task")
    group.addoption("--contract-seed", type=int, default=0, help="generation and mock seed")
    group.addoption("--contract-max-examples", type=int, default=DEFAULT_MAX_EXAMPLES)
    group.addoption("--contract-scenarios", type=int, default=DEFAULT_SCENARIOS)
    group.addoption("--contract-report", default=None, help="write the JSON report here")
    group.addoption(
        "--planted-fault",
        action="append",
        default=[],
        help="in-process only: serve a mock with this deliberate defect (self-test)",
    )


def _credentials(config: pytest.Config, base_url: str | None) -> tuple[Credentials, str]:
    values: dict[str, Any] = {}
    for option, env, name in CREDENTIAL_SOURCES:
        value = config.getoption(option.lstrip("-").replace("-", "_")) or os.environ.get(env, "")
        values[name] = value
    given = Credentials(**values)
    try:
        is_mock = (
            base_url is not None
            and not given.as_params()
            and probe_mock(base_url, config.getoption("control_token"))
        )
        return resolve_credentials(given, base_url, is_mock)
    except TargetError as exc:
        raise pytest.UsageError(str(exc)) from None


def target_from(config: pytest.Config) -> Target:
    base_url = config.getoption("base_url")
    in_process = base_url is None
    family = config.getoption("family")
    if family == "auto":
        family = "backend" if in_process else detect_family(base_url)
    template = config.getoption("template_id")
    if template is None and in_process:
        template = IN_PROCESS_TEMPLATE
    credentials, identity = _credentials(config, base_url)
    return Target(
        base_url=base_url or Target().base_url,
        family=family,
        in_process=in_process,
        credentials=credentials,
        bk_biz_id=config.getoption("bk_biz_id"),
        scope=config.getoption("scope"),
        template_id=template,
        task_id=config.getoption("task_id"),
        allow_destructive=in_process or config.getoption("allow_destructive"),
        control_token=config.getoption("control_token"),
        poll_timeout=config.getoption("poll_timeout"),
        identity=identity,
    )


def run_settings_from(config: pytest.Config) -> RunSettings:
    faults = frozenset(config.getoption("planted_fault"))
    if faults and config.getoption("base_url") is not None:
        raise pytest.UsageError("--planted-fault applies to the in-process mock only")
    return RunSettings(
        seed=config.getoption("contract_seed"),
        max_examples=config.getoption("contract_max_examples"),
        scenarios=config.getoption("contract_scenarios"),
        report_path=config.getoption("contract_report"),
        planted_faults=faults,
    )
