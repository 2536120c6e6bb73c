"""The request journal: the ring, its summaries and masks, and reading it over the control API."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.auth import SECRET_KEYS
from mockserver.journal import MASK, MAX_STRING, MAX_VALUES, Entry, Journal, Query, summarize
from mockserver.settings import Settings

from .api import CREDENTIALS, Api

BIZ = 2
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def entry(seq: int, operation: str = "get_task_status", task_id: int | None = 1) -> Entry:
    return Entry(
        seq=seq,
        at=T0,
        method="GET",
        path="/x",
        operation=operation,
        family="backend",
        params={},
        app_code=None,
        username=None,
        status=200,
        result=True,
        code=0,
        trace_id=f"t{seq}",
        task_id=task_id,
        bk_biz_id=BIZ,
    )


# The ring ------------------------------------------------------------
def test_the_ring_keeps_the_newest_entries_and_counts_the_rest():
    journal = Journal(3)
    for seq in range(1, 8):
        journal.add(entry(seq))
    assert [e.seq for e in journal] == [5, 6, 7]
    assert (journal.received, journal.evicted, len(journal)) == (7, 4, 3)
    assert journal.clear() == 3
    assert (journal.received, journal.evicted, len(journal)) == (7, 4, 0)


def test_size_zero_keeps_nothing_and_a_negative_size_is_refused():
    journal = Journal(0)
    journal.add(entry(1))
    assert not journal.enabled and len(journal) == 0 and journal.received == 1
    with pytest.raises(ValueError, match=">= 0"):
        Journal(-1)


@pytest.mark.parametrize(
    ("query", "limit", "expected"),
    [
        (Query(), None, [1, 2, 3, 4, 5, 6]),
        (Query(operation="start_task"), None, [2, 4, 6]),
        (Query(task_id=2), None, [3, 4]),
        (Query(operation="start_task", task_id=3), None, [6]),
        (Query(since=4), None, [5, 6]),
        (Query(), 2, [5, 6]),
        (Query(operation="get_task_status"), 1, [5]),
        (Query(result=False), None, []),
        (Query(status=200, family="backend"), 10, [1, 2, 3, 4, 5, 6]),
    ],
)
def test_select_and_count_filter_the_same_way(query, limit, expected):
    journal = Journal(100)
    for seq in range(1, 7):
        op = "start_task" if seq % 2 == 0 else "get_task_status"
        journal.add(entry(seq, op, task_id=(seq + 1) // 2))
    assert [e.seq for e in journal.select(query, limit)] == expected
    if limit is None:
        assert journal.count(query) == len(expected)


# Summaries ------------------------------------------------------------
def test_summaries_cut_long_strings_and_stop_at_the_value_budget():
    params = {"name": "x" * 10_000, "constants": {f"${{k{i}}}": i for i in range(1000)}}
    summary = summarize(params)
    assert len(summary["name"]) == MAX_STRING + 1 and summary["name"].endswith("…")
    size = len(json.dumps(summary, ensure_ascii=False))
    assert size < 4 * MAX_STRING + 32 * MAX_VALUES
    assert any(key == "…" for key in summary["constants"])


def test_summaries_mask_secrets_at_any_depth():
    params = {
        "bk_app_secret": "s1",
        "constants": {"${db_password}": "s2", "${host}": "10.0.0.1"},
        "list": [{"access_token": "s3"}],
        "bk_username": "admin",
    }
    summary = summarize(params)
    assert summary["bk_app_secret"] == MASK
    assert summary["constants"] == {"${db_password}": MASK, "${host}": "10.0.0.1"}
    assert summary["list"] == [{"access_token": MASK}]
    assert summary["bk_username"] == "admin"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(
    params=st.dictionaries(st.text(max_size=10), json_values, max_size=8),
    key=st.sampled_from(sorted(SECRET_KEYS)),
    secret=st.text(alphabet="QWXZ", min_size=12, max_size=20),
)
def test_no_secret_survives_a_summary_wherever_it_sits(params, key, secret):
    nested = {**params, "constants": {"inner": [{key: secret}]}, key: secret}
    assert secret not in json.dumps(summarize(nested), ensure_ascii=False)


# Over HTTP ------------------------------------------------------------
def journal(client, **query) -> dict:
    answer = client.get("/__mock__/journal", params=query)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_every_request_is_journaled_with_its_answer(api, client):
    created = api.ok("create_task", {"template_id": 30, "bk_biz_id": BIZ}, {"name": "j"})
    task_id = created["data"]["task_id"]
    api.ok("start_task", {"task_id": task_id, "bk_biz_id": BIZ})
    client.post("/__mock__/clock", json={"advance": 1})  # past the queued start's delay
    api.call("start_task", {"task_id": task_id, "bk_biz_id": BIZ})  # already started
    client.post("/__mock__/clock", json={"advance": 1})  # control calls are not journaled
    entries = journal(client)["entries"]
    assert [e["operation"] for e in entries] == ["create_task", "start_task", "start_task"]
    first, _, refused = entries
    assert first["task_id"] == task_id and first["bk_biz_id"] == BIZ
    assert first["params"] == {"name": "j"} and first["app_code"] == CREDENTIALS["bk_app_code"]
    assert first["family"] == "backend" and first["method"] == "POST"
    assert first["path"] == f"/apigw/create_task/30/{BIZ}/"
    assert (refused["status"], refused["result"], refused["code"]) == (200, False, 3545000)
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert datetime.fromisoformat(first["at"]).utcoffset() is not None


@pytest.mark.parametrize("family", ["backend", "gateway", "esb", "esb-nov2"])
def test_the_task_filter_finds_a_task_on_every_family(client, family):
    api = Api(client, family)
    created = api.ok("create_task", {"template_id": 30, "bk_biz_id": BIZ}, {"name": "f"})
    task = {"task_id": created["data"]["task_id"], "bk_biz_id": BIZ}
    api.ok("start_task", task)
    api.ok("get_task_status", task)
    other = api.ok("create_task", {"template_id": 30, "bk_biz_id": BIZ}, {"name": "g"})
    assert other["data"]["task_id"] != task["task_id"]
    found = journal(client, task_id=task["task_id"])["entries"]
    assert [e["operation"] for e in found] == ["create_task", "start_task", "get_task_status"]
    assert {e["family"] for e in found} == {"esb" if family.startswith("esb") else family}
    counted = client.get(
        "/__mock__/journal/count",
        params={"task_id": task["task_id"], "operation": "start_task"},
    ).json()
    assert counted["count"] == 1 and counted["received"] == 4


def test_the_journal_never_holds_a_secret(client):
    secrets = {
        "bk_app_secret": "HeaderSecretAAAA",
        "bk_token": "HeaderTokenBBBB",
        "access_token": "HeaderAccessCCCC",
    }
    header = {"X-Bkapi-Authorization": json.dumps({"bk_app_code": "a", **secrets})}
    query = {"bk_app_secret": "QuerySecretDDDD", "bk_token": "QueryTokenEEEE"}
    client.get(f"/apigw/get_template_list/{BIZ}/", params=query, headers=header)
    client.get("/api/c/compapi/v2/sops/get_task_status/", params={**query, "bk_biz_id": BIZ})
    body = {
        "bk_app_code": "a",
        "app_secret": "BodySecretFFFF",
        "bk_username": "admin",
        "name": "n",
        "constants": {"${api_token}": "ConstTokenGGGG", "${jwt}": "ConstJwtHHHH"},
    }
    client.post(f"/apigw/create_task/30/{BIZ}/", json=body, headers=header)
    client.post("/api/c/compapi/v2/sops/start_task/", json={**body, "bk_biz_id": BIZ})
    client.get("/no/such/path", params=query, headers=header)
    client.post(f"/apigw/get_template_list/{BIZ}/", params=query)  # 405
    text = json.dumps(journal(client), ensure_ascii=False)
    assert journal(client)["count"] == 6
    leaked = [s for s in [*secrets.values(), *query.values(), "BodySecretFFFF"] if s in text]
    leaked += [s for s in ("ConstTokenGGGG", "ConstJwtHHHH") if s in text]
    assert leaked == []
    assert MASK in text and "X-Bkapi-Authorization" not in text


def test_unmatched_requests_are_journaled_without_an_operation(client):
    client.get("/apigw/no_such_operation/1/")
    client.post(f"/apigw/get_template_list/{BIZ}/")
    entries = journal(client)["entries"]
    assert [(e["operation"], e["status"]) for e in entries] == [(None, 404), (None, 405)]
    assert entries[0]["code"] == 1640401


def test_clear_and_the_bounded_size():
    settings = Settings(clock="virtual", validate_responses=True, journal_size=3)
    with TestClient(create_app(settings)) as client:
        api = Api(client)
        for _ in range(5):
            api.ok("get_template_list", {"bk_biz_id": BIZ})
        body = journal(client)
        assert (body["size"], body["received"], body["evicted"], body["held"]) == (3, 5, 2, 3)
        assert [e["seq"] for e in body["entries"]] == [3, 4, 5]
        assert journal(client, limit=1)["entries"][0]["seq"] == 5
        assert journal(client, since=4)["count"] == 1
        cleared = client.delete("/__mock__/journal").json()
        assert cleared["cleared"] == 3 and cleared["held"] == 0
        api.ok("get_template_list", {"bk_biz_id": BIZ})
        assert [e["seq"] for e in journal(client)["entries"]] == [6]


def test_reset_clears_the_journal(api, client):
    api.ok("get_template_list", {"bk_biz_id": BIZ})
    client.post("/__mock__/reset", json={})
    assert journal(client)["received"] == 0


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"task_id": "x"}, "invalid_task_id"),
        ({"result": "yes"}, "invalid_result"),
        ({"limit": "-1"}, "invalid_limit"),
        ({"colour": "red"}, "invalid_filter"),
    ],
)
def test_bad_filters_are_refused(client, query, error):
    answer = client.get("/__mock__/journal", params=query)
    assert answer.status_code == 400 and answer.json()["error"] == error


def test_count_takes_no_limit(client):
    answer = client.get("/__mock__/journal/count", params={"limit": 2})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_filter"


@pytest.mark.parametrize(
    "settings", [Settings(control=False), Settings(journal_size=0)], ids=["no-control", "size-0"]
)
def test_the_journal_can_be_switched_off(settings):
    app = create_app(settings)
    with TestClient(app) as client:
        Api(client).ok("get_template_list", {"bk_biz_id": BIZ})
    journal_ = app.state.mock.journal
    assert not journal_.enabled and len(journal_) == 0


def test_a_deferred_entry_is_built_once_and_shows_the_request_as_sent(api, client):
    """Entries are built when first read, from the request's own objects: the task that the
    request created running to its end afterwards must not show through."""
    constants = {"${x}": "as sent"}
    created = api.ok(
        "create_task", {"template_id": 30, "bk_biz_id": BIZ}, {"name": "d", "constants": constants}
    )
    task = {"task_id": created["data"]["task_id"], "bk_biz_id": BIZ}
    api.ok("start_task", task)
    client.post("/__mock__/clock", json={"until_idle": True})
    first = journal(client)["entries"]
    assert first[0]["params"] == {"name": "d", "constants": {"${x}": "as sent"}}
    mock = client.app.state.mock
    built = list(mock.journal)
    assert [e.seq for e in built] == [e["seq"] for e in first]
    assert all(a is b for a, b in zip(built, mock.journal, strict=True))  # kept, not rebuilt
