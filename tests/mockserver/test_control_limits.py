"""Control-plane limits: rule and scenario counts, body sizes and depth, numbers that would
overflow the clock or a latency. Every over-limit call answers 4xx and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.control.scenario_api import MAX_BOOK_ENTRIES, MAX_CHANGES
from mockserver.faults import MAX_RULES, FaultProfile, rule_from_dict
from mockserver.faults.rules import CLOCK_LIMIT
from mockserver.settings import Settings

from .api import Api

BIZ = 2
LINEAR, FETCH = 31, "b4622bc66d53e664e4e764359b19639b"
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)

# The door refuses control writes whose body is not declared JSON.
JSON_TYPE = {"Content-Type": "application/json"}


def snapshot(client: TestClient) -> dict:
    """Everything a refused call must leave as it was."""
    state = client.get("/__mock__/state").json()
    return {"state": state, "book": client.get("/__mock__/scenarios").json()}


def lean(i: int) -> dict:
    return {"id": f"r{i}", "latency": {"seconds": 0}}


# Counts ------------------------------------------------------------------------------------
def test_the_rule_count_is_capped_on_every_way_in(client):
    assert MAX_RULES == 1000
    full = client.put("/__mock__/faults", json={"rules": [lean(i) for i in range(MAX_RULES)]})
    assert full.status_code == 200 and len(full.json()["rules"]) == MAX_RULES
    before = snapshot(client)
    refusals = [
        client.post("/__mock__/faults", json={"latency": {"seconds": 1}}),
        client.put("/__mock__/faults/one-more", json={"latency": {"seconds": 1}}),
    ]
    for answer in refusals:
        assert answer.status_code == 409 and answer.json()["error"] == "too_many_rules"
    over = client.put("/__mock__/faults", json={"rules": [lean(i) for i in range(MAX_RULES + 1)]})
    assert over.status_code == 400
    assert (over.json()["error"], over.json()["field"]) == ("invalid_rules", "rules")
    assert snapshot(client) == before
    replaced = client.put("/__mock__/faults/r5", json={"latency": {"seconds": 2}})
    assert replaced.status_code == 200  # replacing one at the cap is fine


def test_the_scenario_book_is_capped(client):
    many = {f"c{i}": {"duration": 1} for i in range(MAX_BOOK_ENTRIES + 1)}
    before = snapshot(client)
    over = client.put("/__mock__/scenarios", json={"components": many})
    assert over.status_code == 400 and over.json()["field"] == "components"
    many.pop(f"c{MAX_BOOK_ENTRIES}")
    # 1000 components and one template node: over the limit in all.
    components = {**dict(list(many.items())[:-1]), "last": {"duration": 1}}
    with_node = {"components": components, "templates": {str(LINEAR): {FETCH: {"duration": 2}}}}
    over_in_all = client.put("/__mock__/scenarios", json=with_node)
    assert over_in_all.status_code == 400 and over_in_all.json()["error"] == "invalid_book"
    assert snapshot(client) == before
    assert client.put("/__mock__/scenarios", json={"components": many}).status_code == 200
    refused = client.put("/__mock__/scenarios/components/new", json={"duration": 1})
    assert refused.status_code == 409 and refused.json()["error"] == "too_many_scenarios"
    node = client.put(f"/__mock__/scenarios/templates/{LINEAR}/nodes/{FETCH}", json={})
    assert node.status_code == 409
    assert client.put("/__mock__/scenarios/components/c1", json={"duration": 3}).status_code == 200


def test_the_scenario_log_keeps_the_newest_changes(client):
    for i in range(MAX_CHANGES + 5):
        client.put("/__mock__/scenarios/components/bk_display", json={"duration": i})
    changes = client.get("/__mock__/scenarios").json()["changes"]
    assert len(changes) == MAX_CHANGES
    assert changes[-1]["scenario"]["duration"] == MAX_CHANGES + 4
    assert changes[0]["scenario"]["duration"] == 5


# Matching: only the rules that watch an operation are visited -----------------------------
def test_rules_keep_their_order_through_the_operation_index():
    made = FaultProfile(0)
    specific = {"id": "a", "operations": ["start_task"], "fault": {"kind": "drop"}}
    everything = {"id": "b", "fault": {"kind": "reset"}}
    for data in (specific, everything):
        made.put(rule_from_dict(data, "", T0))
    first = made.decide("start_task", T0)
    assert first is not None and first.rule == "a" and first.fired == ("a", "b")
    other = made.decide("get_task_status", T0)
    assert other is not None and other.rule == "b" and other.fired == ("b",)
    made.put(rule_from_dict({**specific, "fault": {"kind": "app_error"}}, "", T0))
    made.remove("b")
    made.put(rule_from_dict(everything, "", T0))  # back in, now last
    again = made.decide("start_task", T0)
    assert again is not None and again.fault is not None and again.fault.kind == "app_error"
    assert [r.id for r in made.rules] == ["a", "b"]
    # A replaced rule starts counting afresh; "b" came back as a new rule too.
    assert (made.get("a").matched, made.get("b").matched) == (1, 1)  # type: ignore[union-attr]


def test_rules_on_other_operations_are_not_counted():
    made = FaultProfile(0)
    for i in range(50):
        made.put(rule_from_dict({"id": f"x{i}", "operations": ["create_task"], **lean(i)}, "", T0))
    assert made.decide("get_task_status", T0) is None
    assert all(rule.matched == 0 for rule in made.rules)


# Bodies ------------------------------------------------------------------------------------
@pytest.fixture
def small():
    settings = Settings(clock="virtual", validate_responses=True, max_body_bytes=2048)
    with TestClient(create_app(settings)) as client:
        yield client


def test_control_bodies_obey_max_body_bytes(small):
    big = {"latency": {"seconds": 1}, "id": "x", "operations": ["start_task"] * 300}
    answer = small.post("/__mock__/faults", json=big)
    assert answer.status_code == 413 and answer.json()["error"] == "body_too_large"

    def pieces():
        for _ in range(100):
            yield b" " * 100  # no Content-Length: the limit holds while streaming

    streamed = small.post("/__mock__/faults", content=pieces(), headers=JSON_TYPE)
    assert streamed.status_code == 413
    assert small.get("/__mock__/faults").json()["rules"] == []
    fits = small.post("/__mock__/faults", json={"latency": {"seconds": 1}})
    assert fits.status_code == 201


def test_a_state_restore_has_its_own_limit():
    settings = Settings(clock="virtual", validate_responses=True, max_body_bytes=2048)
    with TestClient(create_app(settings)) as client:
        state = client.get("/__mock__/state").json()
        assert client.put("/__mock__/state", json=state).status_code == 200
    tight = settings.with_(max_state_bytes=1024)
    with TestClient(create_app(tight)) as client:
        answer = client.put("/__mock__/state", json=client.get("/__mock__/state").json())
        assert answer.status_code == 413


def test_deeply_nested_control_bodies_are_refused(client):
    deep: dict = {}
    node = deep
    for _ in range(100):
        node["k"] = {}
        node = node["k"]
    before = snapshot(client)
    answer = client.put("/__mock__/scenarios/components/x", json={"outputs": deep})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_json"
    assert snapshot(client) == before
    assert client.get("/__mock__/scenarios").status_code == 200


# Numbers that would overflow ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"to": "9999-12-31T23:59:59+00:00"}, "invalid_time"),
        ({"to": "8999-12-31T23:59:59-23:59"}, "clock_limit"),
        ({"to": "8999-12-31T00:00:00+00:00"}, "clock_limit"),
        ({"advance": 1e15}, "invalid_advance"),
        ({"advance": 1e400}, "invalid_json"),
        ({"advance": 1e10, "to": "2030-01-01T00:00:00+00:00"}, "invalid_move"),
    ],
)
def test_the_clock_refuses_times_past_its_limit(client, body, error):
    before = client.get("/__mock__/clock").json()
    raw = str(body).replace("'", '"').replace("1e+400", "1e400").encode()
    answer = client.post("/__mock__/clock", content=raw, headers=JSON_TYPE)
    assert answer.status_code == 400 and answer.json()["error"] == error, answer.text
    assert client.get("/__mock__/clock").json() == before
    assert client.get("/__mock__/health").status_code == 200


def test_the_clock_can_go_near_its_limit_but_not_past_it(api, client):
    near = "8999-06-01T00:00:00+00:00"
    assert client.post("/__mock__/clock", json={"to": near}).status_code == 200
    past = client.post("/__mock__/clock", json={"advance": 1e9})
    assert past.status_code == 400 and past.json()["error"] == "clock_limit"
    now = datetime.fromisoformat(client.get("/__mock__/clock").json()["now"])
    assert now == datetime.fromisoformat(near) and now < CLOCK_LIMIT
    # A window reaching past the clock's end ends there (found by bench/control_fuzz.py: its
    # end was shown as a year-9000 time that the answer's own schema refuses).
    long = client.post(
        "/__mock__/faults", json={"window": {"seconds": 1e10}, "latency": {"seconds": 0}}
    )
    assert long.status_code == 201
    assert datetime.fromisoformat(long.json()["window"]["until"]) == CLOCK_LIMIT
    for path in ("/__mock__/health", "/__mock__/state", "/__mock__/faults"):
        assert client.get(path).status_code == 200
    created = api.ok("create_task", {"template_id": LINEAR, "bk_biz_id": BIZ}, {"name": "late"})
    task = {"task_id": created["data"]["task_id"], "bk_biz_id": BIZ}
    api.ok("start_task", task)
    assert client.post("/__mock__/clock", json={"until_idle": True}).status_code == 200
    assert api.ok("get_task_status", task)["data"]["state"] == "FINISHED"


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("/__mock__/scenarios/components/x", "PUT", {"duration": 1e308}, "duration"),
        ("/__mock__/scenarios/components/x", "PUT", {"jitter": 1e8}, "jitter"),
        ("/__mock__/scenarios/components/x", "PUT", {"fail_times": 10**30}, "fail_times"),
        (
            "/__mock__/faults",
            "POST",
            {"latency": {"distribution": "lognormal", "median": 1, "sigma": 1e308}},
            "latency.sigma",
        ),
        ("/__mock__/faults", "POST", {"latency": {"seconds": 1e308}}, "latency.seconds"),
        (
            "/__mock__/faults",
            "POST",
            {"window": {"seconds": 1e12}, "fault": {"kind": "drop"}},
            "window.seconds",
        ),
        ("/__mock__/faults", "POST", {"after": 10**30, "fault": {"kind": "drop"}}, "after"),
        (
            "/__mock__/faults",
            "POST",
            {"fault": {"kind": "app_error", "code": 10**30}},
            "fault.code",
        ),
        ("/__mock__/reset", "POST", {"seed": 10**30}, "seed"),
    ],
)
def test_numbers_out_of_range_are_refused_and_change_nothing(client, path, method, body, field):
    before = snapshot(client)
    answer = client.request(method, path, json=body)
    assert answer.status_code == 400 and answer.json()["field"] == field, answer.text
    assert snapshot(client) == before


def test_a_long_scenario_runs_without_overflow(api, client):
    longest = {"duration": 1e7, "jitter": 1e7}
    assert client.put("/__mock__/scenarios/components/bk_display", json=longest).status_code == 200
    created = api.ok("create_task", {"template_id": LINEAR, "bk_biz_id": BIZ}, {"name": "slow"})
    task = {"task_id": created["data"]["task_id"], "bk_biz_id": BIZ}
    api.ok("start_task", task)
    assert client.post("/__mock__/clock", json={"until_idle": True}).status_code == 200
    assert api.ok("get_task_status", task)["data"]["state"] == "FINISHED"


def test_a_wide_lognormal_latency_saturates_at_its_cap(app, client):
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    app.state.mock.sleep = record
    wide = {"latency": {"distribution": "lognormal", "median": 600, "sigma": 10}}
    assert client.post("/__mock__/faults", json=wide).status_code == 201
    api = Api(client)
    for _ in range(20):
        api.ok("get_template_list", {"bk_biz_id": BIZ})
    latencies = [e["latency"] for e in client.get("/__mock__/journal").json()["entries"]]
    assert len(latencies) == 20 and max(latencies) == 600.0 and min(latencies) >= 0
    assert waited == [seconds for seconds in latencies if seconds]
