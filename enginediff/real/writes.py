"""State writes as lines in a file, for the worker mode: the worker processes and the runner
both append (node_id, to_state) for every post_set_state signal."""

from __future__ import annotations

import json
import os
from typing import Any


def _append(sender: Any = None, **kwargs: Any) -> None:
    path = os.environ.get("ENGINE_DIFF_WRITES")
    if not path:
        return
    line = json.dumps([str(kwargs["node_id"]), str(kwargs["to_state"])]) + "\n"
    # one write of one short line with O_APPEND: lines from several processes do not interleave
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def connect_file_recorder() -> None:
    from pipeline.eri.signals import post_set_state

    post_set_state.connect(_append, dispatch_uid="engine-diff-file-writes")


def read_writes(path: str) -> list[tuple[str, str]]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        pairs = [json.loads(line) for line in fh if line.strip()]
    return [(str(node), str(state)) for node, state in pairs]
