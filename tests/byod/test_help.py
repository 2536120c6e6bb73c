"""The three commands answer --help through `sops-mock`, with their flags and defaults."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        (["fixtures", "import"], ["--base-url", "--bk-biz-id", "--out", "--app-secret"]),
        (["diff"], ["--a", "--b", "--allow-file", "--json", "--html", "--template-id"]),
        (["record"], ["--upstream", "--port", "--out"]),
    ],
)
def test_help_lists_the_flags(command: list[str], flags: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: sops-mock {' '.join(command)}")
    for flag in flags:
        assert flag in done.stdout
