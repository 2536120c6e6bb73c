"""The shared pieces on their own: ids, times, DRF booleans, states, envelopes, gateway errors."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

import schemas


def definition(name: str, entry: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"urn:sops-mock:common/{name}#/$defs/{entry}"}, registry=schemas.registry()
    )


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (0, True),
        (7, True),
        ("7", True),
        ("007", True),
        (-1, False),
        ("-1", False),
        ("", False),
        ("7a", False),
        (1.5, False),
        (True, False),
        (None, False),
        ("٣", False),
    ],
)
def test_id_param_is_a_non_negative_integer_or_digit_string(value, ok):
    assert definition("ids", "id_param").is_valid(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2024-05-06 02:00:00 +0800", True),
        ("2018-04-26 16:08:34 -0530", True),
        ("2024-05-06T02:00:00+08:00", False),
        ("2024-05-06 02:00:00", False),
        ("2024-13-06 02:00:00 +0800", False),
        ("2024-05-06 24:00:00 +0800", False),
        ("", False),
        (None, False),
    ],
)
def test_datetime_is_strftime_with_offset(value, ok):
    assert definition("time", "datetime").is_valid(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2024-05-06 02:00:00 +0800", True),
        (None, True),
        ("", True),
        ("2024-05-06", False),
        (0, False),
    ],
)
def test_status_time_may_be_null_or_empty(value, ok):
    assert definition("time", "status_time").is_valid(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("true", True),
        ("TRUE", True),
        ("On", True),
        ("0", True),
        ("no", True),
        ("", True),
        ("tRuE", False),
        ("2", False),
        (True, False),
        (1, False),
    ],
)
def test_drf_boolean_takes_what_drf_takes_on_the_query_string(value, ok):
    assert definition("params", "drf_boolean").is_valid(value) is ok


def test_task_states_are_node_states_plus_expired():
    states = schemas.schema_by_id("urn:sops-mock:common/states")["$defs"]
    node, task = states["node_state"]["enum"], states["task_state"]["enum"]
    assert set(task) == set(node) | {"EXPIRED"}
    assert {"NODE_SUSPENDED", "READY", "CREATED"} <= set(node)


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        (
            {
                "code_name": "INVALID_ARGS",
                "code": 1640001,
                "result": False,
                "message": "Parameters error",
                "data": None,
            },
            True,
        ),
        (
            {
                "code_name": "INVALID_ARGS",
                "code": 3540000,
                "result": False,
                "message": "x",
                "data": None,
            },
            False,
        ),
        ({"code_name": "INVALID_ARGS", "code": 1640001, "result": False, "message": "x"}, False),
        (
            {
                "code_name": "INVALID_ARGS",
                "code": 1640001,
                "result": True,
                "message": "x",
                "data": None,
            },
            False,
        ),
    ],
)
def test_gateway_error_shape(body, ok):
    assert schemas.common_validator("gateway_error").is_valid(body) is ok


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"result": False, "code": 3540400, "message": "gone"}, True),
        (
            {"result": False, "code": 3540400, "message": "gone", "data": None, "trace_id": "t"},
            True,
        ),
        ({"result": False, "code": 3546100, "message": "bad tz", "data": ""}, True),
        (
            {
                "result": False,
                "code": 3540000,
                "message": {"format": ['"xml" is not a valid choice.']},
            },
            True,
        ),
        ({"result": False, "code": 3540000, "message": ""}, False),
        ({"result": False, "code": 3540000, "message": {}}, False),
        ({"result": False, "code": 3540000, "message": "x", "data": {"task_id": 1}}, False),
        ({"result": False, "message": "x"}, False),
        ({"result": False, "code": 1640001, "message": "x"}, False),
    ],
)
def test_error_envelope(body, ok):
    assert definition("envelope", "error").is_valid(body) is ok
