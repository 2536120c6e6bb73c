"""bk-sops's start queue over HTTP: its delay (scenario book), waiting and lost starts."""

from __future__ import annotations

from mockserver.startqueue import read_delay

from .base import ControlError
from .contract import Answer, Ask


def read_starts(ask: Ask) -> Answer:
    mock = ask.mock
    with mock.lock:
        mock.engine.sync()  # starts due by now run first
        return 200, mock.starts.to_dict(mock.tz)


def set_delay(ask: Ask) -> Answer:
    """{"delay": {"min": s, "max": s}} (the schema's shape) sets the delay of starts queued next."""
    mock = ask.mock
    try:
        delay = read_delay(ask.body["delay"])  # min <= max, which the schema cannot say
    except ValueError as exc:
        raise ControlError(400, "invalid_delay", str(exc), "delay") from None
    with mock.lock:
        mock.starts.delay = delay
        mock.engine.sync()
        return 200, mock.starts.to_dict(mock.tz)
