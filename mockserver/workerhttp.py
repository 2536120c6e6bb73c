"""The HTTP protocol class of `serve --workers N`, importable by name.

uvicorn hands its settings to worker processes by pickling them, and a class is pickled by its
module and name: the class transport.protocol_class builds for the head limits must therefore
live at module level, built from the settings the parent put in the environment.
"""

from __future__ import annotations

import os

from .settings import Settings
from .transport import protocol_class
from .workers import SETTINGS_ENV, settings_from_json

_text = os.environ.get(SETTINGS_ENV)
WorkerHttp = protocol_class(settings_from_json(_text) if _text else Settings())
WorkerHttp.__module__ = __name__
WorkerHttp.__qualname__ = WorkerHttp.__name__ = "WorkerHttp"
