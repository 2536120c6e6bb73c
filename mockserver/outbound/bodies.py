"""What bk-sops posts to a task's callback_url, byte for byte as `requests` encodes it.

gcloud/taskflow3/domains/callback.py TaskCallBacker: the body's fields are the task id, the
record's extra info (create_task stores `callback_version` there when one is given) and the
signal's keyword arguments (`task_success`, and `task_outputs` for version "v2", set in
signals/handlers.py _check_and_callback). Version "v2" posts them as JSON (`json=`), anything
else as a form (`data=`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

V2 = "v2"  # TaskCallBackRecord.CALLBACK_VERSION_V2
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"


def callback_fields(
    task_id: int, version: Any, success: bool, outputs: Sequence[Mapping[str, Any]] | None
) -> dict[str, Any]:
    fields: dict[str, Any] = {"task_id": task_id}
    if version:
        fields["callback_version"] = version
    fields["task_success"] = success
    if version == V2 and outputs is not None:
        fields["task_outputs"] = list(outputs)
    return fields


def encode(fields: Mapping[str, Any], version: Any) -> tuple[bytes, str]:
    """(body, content type) as requests.post(url, json=...) or (url, data=...) sends them."""
    if version == V2:
        # requests: complexjson.dumps(json, allow_nan=False), the standard library's spacing.
        return json.dumps(fields, allow_nan=False).encode("utf-8"), JSON_TYPE
    return form(fields).encode("ascii"), FORM_TYPE


def form(fields: Mapping[str, Any]) -> str:
    """requests' _encode_params: a value that is iterable (not text) gives one pair per item,
    None gives none, anything else its str(); then urlencode with doseq."""
    pairs: list[tuple[str, Any]] = []
    for key, value in fields.items():
        values = value if _iterable(value) else [value]
        pairs.extend((key, item) for item in values if item is not None)
    return urlencode(pairs, doseq=True)


def _iterable(value: Any) -> bool:
    return not isinstance(value, str | bytes) and hasattr(value, "__iter__")
