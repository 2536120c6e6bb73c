"""Value types of the command-line flags: each refuses a bad value at parse time with one line.

argparse turns the ArgumentTypeError of a type function into `sops-mock serve: error: argument
--port: ...` and exit code 2, so every range check lives here, next to the value's meaning.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit


class StartupError(Exception):
    """A start-up input that cannot be used; the message names the flag and the fix.

    `sops-mock` prints it as one line on stderr and exits with 2, as argparse does.
    """


class DefaultsShown(argparse.ArgumentDefaultsHelpFormatter):
    """Show a flag's default in its help, except where there is nothing to show."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        nothing = action.default is None or action.default is False
        if nothing or action.default == argparse.SUPPRESS or "%(default)" in text:
            return text
        if action.option_strings and action.nargs != 0:
            return text + " (default: %(default)s)"
        return text


def _number(text: str, kind: Callable[[str], float], name: str = "a number") -> float:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {name}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def int_from(low: int, high: int | None = None, hint: str = "") -> Callable[[str], int]:
    """An integer type bounded to [low, high]."""

    def parse(text: str) -> int:
        value = int(_number(text, int, "an integer"))
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{value} is out of range: give {span}{hint}")
        return value

    parse.__name__ = "integer"
    return parse


def positive_float(hint: str = "") -> Callable[[str], float]:
    """A finite number above zero."""

    def parse(text: str) -> float:
        value = _number(text, float)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} is not above zero{hint}")
        return value

    parse.__name__ = "number"
    return parse


def non_negative_float(text: str) -> float:
    value = _number(text, float)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative: give 0 or more")
    return value


def aware_time(text: str) -> datetime:
    """An ISO 8601 time with a UTC offset (the mock's clock is never naive)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time: write e.g. 2026-01-05T10:00:00+08:00"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset: add one, e.g. {value.isoformat()}+08:00"
        )
    return value


def http_url(text: str) -> str:
    """An http(s) URL with a host."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an http(s) URL: write e.g. http://127.0.0.1:8000"
        )
    return text


def non_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty value: give one, or leave the flag out")
    return text
