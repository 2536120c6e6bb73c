"""A node's outputs as the table bk-sops's node views show: preset plugin outputs named first
when the caller names the plugin, then the rest; output keys feeding a constant are renamed."""

from __future__ import annotations

from typing import Any

from mockserver.call import Call
from mockserver.errors import UNKNOWN_ERROR, ApiError
from mockserver.state import MockState
from simulator import NodeDetail, TaskInfo

# The outputs every plugin declares (bamboo's Service base outputs), with their display names.
COMMON_OUTPUTS = (("_result", "执行结果", "Execution Result"), ("_loop", "循环次数", "Loop Times"))


def _known_codes(mock: MockState, detail: NodeDetail) -> set[str]:
    # The plugins the mock knows: those with a default scenario, and the node's own.
    codes = set(mock.catalog.fixture.get("scenario_defaults", {}))
    codes.add(detail.component_code)
    return codes


def outputs_table(
    call: Call, mock: MockState, task: TaskInfo, detail: NodeDetail, outputs: dict[str, Any]
) -> list[dict[str, Any]]:
    code = call.params.get("component_code")
    if code:
        if code not in _known_codes(mock, detail):
            # bk-sops cannot load the plugin's output format.
            raise ApiError(UNKNOWN_ERROR, "_format_outputs fail", data={})
        rows = [
            {"name": call.text(zh, en), "key": key, "value": outputs.get(key, ""), "preset": True}
            for key, zh, en in COMMON_OUTPUTS
        ]
        preset = {key for key, _, _ in COMMON_OUTPUTS}
        rows += [
            {"name": key, "key": key, "value": value, "preset": False}
            for key, value in outputs.items()
            if key not in preset
        ]
    else:
        rows = [{"key": key, "value": value, "preset": False} for key, value in outputs.items()]
    renamed = _renamed_outputs(task, detail.id)
    for row in rows:
        row["key"] = renamed.get(row["key"], row["key"])
    return rows


def _renamed_outputs(task: TaskInfo, node_id: str) -> dict[str, str]:
    """output key -> the name of the constant it feeds (the first key the node lists)."""
    renamed: dict[str, str] = {}
    for key, constant in task.constants.items():
        if constant.get("source_type") != "component_outputs":
            continue
        fields = (constant.get("source_info") or {}).get(node_id)
        if isinstance(fields, list) and fields:
            renamed[str(fields[0])] = key[2:-1]
    return renamed
