"""The recording's journal: one JSON line per exchange, without any credential.

Credentials travel in headers (X-Bkapi-Authorization, Authorization, Cookie) or, on the ESB
family, as parameters; none of them is written: the headers are not kept at all and the
credential parameters are dropped before the line is made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qsl

from schemas.operations import OPERATIONS

CREDENTIAL_KEYS = frozenset(
    {"bk_app_code", "bk_app_secret", "bk_token", "access_token", "bk_username", "app_secret"}
)
_OPS = {op.name: op for op in OPERATIONS}


def operation_of(path: str) -> tuple[str | None, dict[str, str]]:
    """The operation a path names (any family) and the ids that follow it in the path."""
    parts = [part for part in path.split("/") if part]
    for index, part in enumerate(parts):
        op = _OPS.get(part)
        if op is not None:
            values = parts[index + 1 :]
            return op.name, dict(zip(op.path_ids, values, strict=False))
    return None, {}


def parameters(query: bytes, body: bytes) -> dict[str, Any]:
    """Query and JSON body parameters, credentials left out."""
    params: dict[str, Any] = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    try:
        decoded = json.loads(body) if body else None
    except ValueError:
        decoded = None
    if isinstance(decoded, dict):
        params.update(decoded)
    return {key: value for key, value in params.items() if key not in CREDENTIAL_KEYS}


@dataclass
class Journal:
    path: Path | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    _file: TextIO | None = None

    def open(self) -> Journal:
        if self.path is not None:
            self._file = self.path.open("a", encoding="utf-8")
        return self

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def add(
        self, method: str, path: str, query: bytes, body: bytes, status: int, answer: bytes
    ) -> None:
        op, ids = operation_of(path)
        try:
            response = json.loads(answer) if answer else None
        except ValueError:
            response = None
        params = parameters(query, body)
        for name in ("bk_biz_id", "task_id", "template_id"):
            if name not in ids and name in params:
                ids[name] = str(params[name])
        entry = {
            "seq": len(self.entries) + 1,
            "method": method,
            "path": path,
            "op": op,
            "ids": ids,
            "params": params,
            "status": status,
            "response": response,
        }
        self.entries.append(entry)
        if self._file is not None:
            self._file.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            self._file.flush()


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
