"""The differential suite: every test here is marked engine_diff; the ones that run the real
bamboo-engine skip cleanly when the engine-diff extra is not installed."""

import pytest

from enginediff.run import engine_available

ENGINE = engine_available()
needs_engine = pytest.mark.skipif(
    not ENGINE, reason="the real engine is not installed: pip install -e '.[engine-diff]'"
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/enginediff" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.engine_diff)
