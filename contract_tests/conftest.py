"""Fixtures of the contract suite: the target, the client, the schemas to fuzz, the report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .client import ContractClient, open_client
from .exchange import ContractFailure
from .generation import build_schema, split_operations
from .inprocess import build_app
from .options import RunSettings, add_options, run_settings_from, target_from
from .report import Recorder
from .target import Target

TARGET_KEY = pytest.StashKey[Target]()
RUN_KEY = pytest.StashKey[RunSettings]()
RECORDER_KEY = pytest.StashKey[Recorder]()
CONTROL_KEY = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    # Declared here too, for a run from an installed package (no project pyproject.toml).
    config.addinivalue_line("markers", "destructive: creates or operates tasks on the target")
    config.addinivalue_line("markers", "control_plane: needs the mock's /__mock__/ API")
    if config.getoption("contract_report") and getattr(config.option, "numprocesses", None):
        # Each pytest-xdist worker would gather (and write) only its own share of the report.
        raise pytest.UsageError("--contract-report gathers the report in one process: add -n 0")
    target = target_from(config)
    config.stash[TARGET_KEY] = target
    config.stash[RUN_KEY] = run_settings_from(config)
    recorder = Recorder()
    recorder.target = {
        "base_url": None if target.in_process else target.base_url,
        "family": target.family,
        "identity": target.identity,
        "bk_biz_id": target.bk_biz_id,
        "scope": target.scope,
        "template_id": target.template_id,
        "allow_destructive": target.allow_destructive,
        "seed": config.stash[RUN_KEY].seed,
        "planted_faults": sorted(config.stash[RUN_KEY].planted_faults),
    }
    config.stash[RECORDER_KEY] = recorder


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    path = config.stash[RUN_KEY].report_path if RUN_KEY in config.stash else None
    if path:
        config.stash[RECORDER_KEY].write(path)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Put test-level outcomes the checks did not record (skips, plain errors) in the report."""
    report = yield
    recorder = item.config.stash[RECORDER_KEY]
    name = item.name.split("[")[0]
    if report.skipped and report.when == "setup":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else "skipped"
        recorder.skip(name, "(test)", str(reason).removeprefix("Skipped: "))
    elif report.failed and call.excinfo is not None and not _recorded(call.excinfo.value):
        message = f"{call.excinfo.typename}: {call.excinfo.value}"
        recorder.fail(name, "(test)", "test_error", message)
    return report


def _recorded(exc: BaseException | None, depth: int = 0) -> bool:
    """Whether a check failure (already in the report) is behind `exc`."""
    if exc is None or depth > 10:
        return False
    if isinstance(exc, ContractFailure) or "task_count_agrees" in str(exc):
        return True
    inner = [*getattr(exc, "exceptions", ()), exc.__cause__, exc.__context__]
    return any(_recorded(item, depth + 1) for item in inner)


def pytest_runtest_setup(item: pytest.Item) -> None:
    target = item.config.stash[TARGET_KEY]
    if item.get_closest_marker("destructive") and not target.allow_destructive:
        pytest.skip("creates or operates tasks: pass --allow-destructive to run it on --base-url")
    if item.get_closest_marker("control_plane") and not _has_control(item.config):
        pytest.skip("needs the mock's /__mock__/ control API, which the target does not serve")


def _has_control(config: pytest.Config) -> bool:
    if CONTROL_KEY not in config.stash:
        target = config.stash[TARGET_KEY]
        if target.in_process:
            config.stash[CONTROL_KEY] = True
        else:
            with open_client(target) as client:
                config.stash[CONTROL_KEY] = client.has_control()
    return config.stash[CONTROL_KEY]


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config) -> Target:
    return pytestconfig.stash[TARGET_KEY]


@pytest.fixture(scope="session")
def contract_run(pytestconfig: pytest.Config) -> RunSettings:
    return pytestconfig.stash[RUN_KEY]


@pytest.fixture(scope="session")
def contract_recorder(pytestconfig: pytest.Config) -> Recorder:
    return pytestconfig.stash[RECORDER_KEY]


@pytest.fixture(scope="session")
def contract_app(contract_target: Target, contract_run: RunSettings) -> Any:
    """The in-process mock of the session (None for a base URL). Tests never assume it is empty:
    counts are compared before and after, like on a shared deployment."""
    if not contract_target.in_process:
        return None
    return build_app(contract_run.seed, contract_run.planted_faults)


@pytest.fixture
def contract_client(contract_target: Target, contract_app: Any) -> Iterator[ContractClient]:
    """A client on the in-process mock or on the target's URL."""
    with open_client(contract_target, contract_app) as client:
        yield client


@pytest.fixture
def aimed_client(contract_client: ContractClient) -> ContractClient:
    """The client with a template and (when allowed or given) a task to aim generated ids at."""
    target = contract_client.target
    if target.template_id is None:
        listed = contract_client.call("get_template_list").body() or {}
        templates = listed.get("data") if listed.get("result") is True else None
        if templates:
            target = target.with_(template_id=int(templates[0]["id"]))
    if target.task_id is None and target.allow_destructive and target.template_id is not None:
        created = contract_client.call(
            "create_task", {"template_id": target.template_id}, {"name": "sops-contract-pin"}
        ).body()
        if isinstance(created, dict) and created.get("result") is True:
            target = target.with_(task_id=int(created["data"]["task_id"]))
    contract_client.target = target
    return contract_client


def _schema(request: pytest.FixtureRequest, destructive: bool, client: ContractClient) -> Any:
    run: RunSettings = request.config.stash[RUN_KEY]
    recorder: Recorder = request.config.stash[RECORDER_KEY]
    chosen, skipped = split_operations(client.target, destructive)
    for name, reason in skipped.items():
        recorder.skip("stateless", name, reason)
    if not chosen:
        pytest.skip("no operation of this kind applies to the target")
    return build_schema(client.target, run, chosen)


@pytest.fixture
def read_only_schema(request: pytest.FixtureRequest, aimed_client: ContractClient) -> Any:
    return _schema(request, False, aimed_client)


@pytest.fixture
def mutating_schema(request: pytest.FixtureRequest, aimed_client: ContractClient) -> Any:
    return _schema(request, True, aimed_client)
