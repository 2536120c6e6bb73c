"""The real `sops-mock` entry point in a subprocess, as a new user's shell runs it.

Tests that start the command share these: an environment without credentials (CI exports
some), a free 127.0.0.1 port, and a served mock that is ready when its log says so.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from contract_tests.target import CREDENTIAL_SOURCES

ROOT = Path(__file__).resolve().parents[1]
CREDENTIAL_VARIABLES = tuple(env for _, env, _ in CREDENTIAL_SOURCES)


def clean_env() -> dict[str, str]:
    """This environment without credentials or a control token (a new user's shell)."""
    skip = {*CREDENTIAL_VARIABLES, "SOPS_MOCK_CONTROL_TOKEN"}
    return {key: value for key, value in os.environ.items() if key not in skip}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(args: Sequence[str], ready: str, times: int = 1) -> Iterator[subprocess.Popen[str]]:
    """`sops-mock ARGS`, once its stderr has shown `ready` `times` times (once per worker)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "mockserver", *args],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=clean_env(),
    )
    assert server.stderr is not None
    reader: threading.Thread | None = None
    try:
        seen = 0
        for line in server.stderr:
            seen += ready in line
            if seen == times:
                break
        else:
            pytest.fail(f"sops-mock {' '.join(args)} ended with {server.wait()}")
        # The log goes on: keep reading it, or the server blocks on a full pipe.
        reader = threading.Thread(target=server.stderr.read, daemon=True)
        reader.start()
        yield server
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(30)
        if reader is not None:
            reader.join(30)  # ends at the pipe's end, once every process is gone
        server.stderr.close()
