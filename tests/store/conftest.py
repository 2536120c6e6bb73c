"""A real redis-server (Debian's) on a free 127.0.0.1 port for the store tests, and helpers."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.commandline import free_port

REDIS = shutil.which("redis-server")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of this session; every test empties it (see `redis_store`)."""
    if REDIS is None:
        if os.environ.get("SOPS_MOCK_REQUIRE_REDIS"):  # .ci/run installs it: missing is a failure
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    folder: Path = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_ready(server)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.communicate(timeout=10)


def _wait_until_ready(server: subprocess.Popen[str]) -> None:
    """Read the server's log until it says it accepts connections (no polling, no sleep)."""
    assert server.stdout is not None
    seen = []
    for line in server.stdout:
        seen.append(line)
        if "Ready to accept connections" in line:
            return
    raise RuntimeError("redis-server exited before it was ready:\n" + "".join(seen[-10:]))


@pytest.fixture
def redis_store(redis_url: str) -> str:
    """The session's server, emptied for this test."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return redis_url
