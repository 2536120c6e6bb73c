"""pytest plugin, registered through the `pytest11` entry point: the `sops_mock` fixture.

`sops_mock` is a `RunningMock`: a real server on a free 127.0.0.1 port with a virtual clock,
reset before each test. Tests share one server per session; a test marked
`@pytest.mark.sops_mock(seed=3, auth="strict", ...)` (any `Settings` field) gets its own.
The heavy imports wait until a test asks for the fixture, so the plugin costs nothing to
sessions that never use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mockserver.running import RunningMock

MARKER = "sops_mock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**settings): serve the sops_mock fixture with these Settings fields "
        "(seed, fixture, auth, control_token, journal_size, ...) on a server of its own",
    )


@pytest.fixture(scope="session")
def sops_mock_session() -> Iterator[RunningMock]:
    """The server `sops_mock` shares between tests (virtual clock, default settings)."""
    from mockserver.running import RunningMock

    with RunningMock() as served:
        yield served


@pytest.fixture
def sops_mock(request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    """A served mock, fresh for this test: tasks, clock, scenarios, faults and journal reset."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None and (marker.args or marker.kwargs):
        if marker.args:
            raise pytest.UsageError("sops_mock marker takes keyword Settings fields only")
        from mockserver.running import RunningMock

        with RunningMock(**marker.kwargs) as own:
            yield own
        return
    shared: RunningMock = request.getfixturevalue("sops_mock_session")
    shared.reset(fixture=shared.settings.fixture, seed=shared.settings.seed)
    yield shared
