"""Answers kept in the memo (get_template_list without response validation) cannot be told apart.

The memo is used only with response validation off (the validator needs the list itself), so
these tests compare a memo app's answers with a validating app's, byte for byte.
"""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.memo import Memo
from mockserver.settings import Settings

from .api import AUTH_HEADER

LIST = "/apigw/get_template_list/2/"
# Asked in this order, then again in others. The last three repeat earlier answers, so they
# share memo entries.
QUERIES = [
    {},
    {"name_keyword": "new2018"},
    {"name_keyword": "运维"},
    {"id_in": "31,33,40"},
    {"id_in": "31,33,40", "name_keyword": "new"},
    {"include_labels": "true", "include_notify": "1", "include_executor_proxy": "on"},
    {"expected_timezone": "UTC"},
    {"expected_timezone": "America/New_York", "include_notify": "yes"},
    {"template_source": "common"},
    {"include_labels": "false"},  # as {}
    {"template_source": "business", "name_keyword": "运维"},  # as {"name_keyword": "运维"}
    {"scope": "project"},  # project 1 is business 2: as {}
]
DISTINCT = len(QUERIES) - 3
ERRORS = [
    {"id_in": "31,x"},
    {"include_labels": "maybe"},
    {"expected_timezone": "Mars/Olympus"},
]


def _app(validate: bool) -> Starlette:
    return create_app(Settings(clock="virtual", seed=7, validate_responses=validate))


def _answers(client: TestClient, queries: list[dict[str, str]]) -> list[bytes]:
    out = []
    for params in queries:
        path = LIST if params.get("scope") != "project" else "/apigw/get_template_list/1/"
        answer = client.get(path, params=params, headers=AUTH_HEADER)
        assert answer.status_code == 200
        out.append(answer.content)
    return out


def test_memo_answers_equal_computed_answers_byte_for_byte():
    asked = [*QUERIES, *ERRORS, *QUERIES, *reversed(ERRORS), *reversed(QUERIES)]
    memo_app = _app(validate=False)
    with TestClient(memo_app) as memo, TestClient(_app(validate=True)) as computed:
        got, want = _answers(memo, asked), _answers(computed, asked)
        assert len(memo_app.state.mock.memo) == DISTINCT  # errors are not kept
    assert got == want  # same seed, same calls: the trace ids match too
    data = {json.dumps(json.loads(answer)["data"]) for answer in got[: len(QUERIES)]}
    assert len(data) == DISTINCT


def test_a_reset_to_another_fixture_drops_the_memo():
    with TestClient(_app(validate=False)) as client:
        before = client.get(LIST, headers=AUTH_HEADER).json()["data"]
        assert [t["id"] for t in before] == [39, 38, 37, 36, 35, 34, 33, 32, 31, 30]
        reset = client.post("/__mock__/reset", json={"fixture": "minimal"})
        assert reset.status_code == 200
        after = client.get(LIST, headers=AUTH_HEADER).json()["data"]
        assert [t["id"] for t in after] == [1]


@pytest.mark.parametrize("size", [1, 3])
def test_the_memo_keeps_the_newest_entries(size):
    memo = Memo(size)
    made: list[int] = []

    def make(n: int):
        def value() -> int:
            made.append(n)
            return n * 10

        return value

    for n in range(5):
        assert memo.get_or_make(n, make(n)) == n * 10
    assert len(memo) == size
    assert memo.get_or_make(4, make(4)) == 40 and made == [0, 1, 2, 3, 4]  # kept
    assert memo.get_or_make(0, make(0)) == 0 and made == [0, 1, 2, 3, 4, 0]  # made again


# Bodies that JSON tells apart but Python's == does not (1, 1.0, true), valid and not.
CREATE_BODIES: list[dict[str, object]] = [
    {"name": "ok"},
    {"name": 1},
    {"name": "ok", "template_schemes_id": 1},
    {"name": "ok", "template_schemes_id": 1.0},
    {"name": "ok", "template_schemes_id": True},
    {"name": "ok", "template_schemes_id": 0},
    {"name": "ok", "flow_type": "nope"},
    {"name": "ok", "constants": []},
    {"name": "x" * 101},
    {"name": "ok", "exclude_task_nodes_id": "not a list"},
]


def _verdict(client: TestClient, body: dict[str, object]) -> tuple:
    answer = client.post("/apigw/create_task/31/2/", json=body, headers=AUTH_HEADER).json()
    return answer["result"], answer["code"], answer.get("message")


def test_kept_request_verdicts_are_those_of_a_fresh_app():
    fresh = []
    for body in CREATE_BODIES:
        with TestClient(_app(validate=True)) as client:
            fresh.append(_verdict(client, body))
    assert len(set(fresh)) > 5  # the table does tell apart answers
    with TestClient(_app(validate=True)) as client:
        for _ in range(2):
            assert [_verdict(client, body) for body in CREATE_BODIES] == fresh
