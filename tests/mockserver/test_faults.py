"""Fault profiles: seeded draws, latency distributions, rule validation and decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mockserver.faults import (
    MAX_LATENCY,
    Fault,
    FaultProfile,
    FaultRuleError,
    Latency,
    draw,
    rule_from_dict,
)

BIZ = 2
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def profile(seed: int, *rules: dict) -> FaultProfile:
    made = FaultProfile(seed)
    for data in rules:
        made.put(rule_from_dict(data, made.next_id(), T0))
    return made


def fired(made: FaultProfile, operations: list[str], now: datetime = T0) -> list[str | None]:
    """Per request: the fault kind that replaced the answer, '+latency' alone, or None."""
    out: list[str | None] = []
    for op in operations:
        decision = made.decide(op, now)
        if decision is None:
            out.append(None)
        else:
            out.append(decision.fault.kind if decision.fault else f"+{decision.latency}")
    return out


# Draws ------------------------------------------------------------
def test_draws_are_in_the_open_unit_interval_and_depend_on_every_coordinate():
    base = draw(1, "r", 1, "fire")
    assert base == draw(1, "r", 1, "fire")
    assert 0 < base < 1
    others = {draw(2, "r", 1, "fire"), draw(1, "s", 1, "fire"), draw(1, "r", 2, "fire")}
    others.add(draw(1, "r", 1, "latency"))
    assert base not in others and len(others) == 4


@pytest.mark.parametrize(
    ("data", "checks"),
    [
        ({"distribution": "fixed", "seconds": 0.25}, [(0.01, 0.25), (0.99, 0.25)]),
        ({"distribution": "uniform", "min": 1, "max": 3}, [(0.0, 1.0), (0.5, 2.0), (0.75, 2.5)]),
        ({"distribution": "lognormal", "median": 0.2, "sigma": 0.5}, [(0.5, 0.2)]),
        ({"distribution": "fixed", "seconds": 5, "cap": 2}, [(0.5, 2.0)]),
        ({"distribution": "lognormal", "median": 1, "sigma": 3, "cap": 4}, [(0.999999, 4.0)]),
    ],
)
def test_latency_distributions(data, checks):
    latency = Latency.from_dict(data)
    for u, expected in checks:
        assert latency.sample(u) == pytest.approx(expected)
    assert Latency.from_dict(latency.to_dict()) == latency


def test_lognormal_latency_grows_with_the_draw_and_stays_capped():
    latency = Latency.from_dict({"distribution": "lognormal", "median": 0.1, "sigma": 1})
    samples = [latency.sample(u / 100) for u in range(1, 100)]
    assert samples == sorted(samples) and samples[0] < 0.1 < samples[-1] <= MAX_LATENCY


# Validation ------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"fault": {"kind": "app_error"}, "colour": 1}, "colour"),
        ({}, None),
        ({"id": "has space", "fault": {"kind": "drop"}}, "id"),
        ({"probability": 1.5, "fault": {"kind": "drop"}}, "probability"),
        ({"probability": "0.5", "fault": {"kind": "drop"}}, "probability"),
        ({"operations": ["no_such_op"], "fault": {"kind": "drop"}}, "operations[0]"),
        ({"operations": "start_task", "fault": {"kind": "drop"}}, "operations"),
        ({"after": -1, "fault": {"kind": "drop"}}, "after"),
        ({"times": 1.5, "fault": {"kind": "drop"}}, "times"),
        ({"fault": {"kind": "explode"}}, "fault.kind"),
        ({"fault": {"kind": "app_error", "code": 0}}, "fault.code"),
        ({"fault": {"kind": "app_error", "message": 3}}, "fault.message"),
        ({"fault": {"kind": "http_error", "status": 404}}, "fault.status"),
        ({"fault": {"kind": "drop", "applied": "yes"}}, "fault.applied"),
        ({"latency": {"distribution": "normal"}}, "latency.distribution"),
        ({"latency": {"distribution": "fixed"}}, "latency.seconds"),
        ({"latency": {"distribution": "uniform", "min": 2, "max": 1}}, "latency.max"),
        ({"latency": {"seconds": -1}}, "latency.seconds"),
        ({"window": {"from": "yesterday"}, "fault": {"kind": "drop"}}, "window.from"),
        ({"window": {"until": "2026-01-05T10:00:00"}, "fault": {"kind": "drop"}}, "window.until"),
        (
            {
                "window": {
                    "from": "2026-01-05T11:00:00+08:00",
                    "until": "2026-01-05T10:00:00+08:00",
                },
                "fault": {"kind": "drop"},
            },
            "window.until",
        ),
        ({"window": {"seconds": 5, "from": None}, "fault": {"kind": "drop"}}, "window"),
    ],
)
def test_bad_rules_name_their_field(data, field):
    with pytest.raises(FaultRuleError) as caught:
        rule_from_dict(data, "r", T0)
    assert caught.value.field == field


def test_a_rule_survives_a_round_trip_through_its_dict():
    data = {
        "id": "slow",
        "operations": ["start_task", "get_task_status"],
        "probability": 0.5,
        "after": 2,
        "times": 3,
        "window": {"from": "2026-01-05T10:00:00+08:00", "until": "2026-01-05T11:00:00+08:00"},
        "latency": {"distribution": "uniform", "min": 0.1, "max": 0.2},
        "fault": {"kind": "http_error", "status": 502, "body": {"x": 1}, "applied": True},
    }
    rule = rule_from_dict(data, "unused", T0)
    again = rule_from_dict(rule.to_dict(), "unused", T0 + timedelta(days=1))
    assert again == rule


# Decisions ------------------------------------------------------------
def test_after_and_times_bound_the_injections():
    made = profile(0, {"after": 2, "times": 3, "fault": {"kind": "app_error"}})
    assert fired(made, ["start_task"] * 7) == [None, None, *["app_error"] * 3, None, None]
    assert (made.rules[0].matched, made.rules[0].injected) == (7, 3)


def test_operations_and_the_clock_window_choose_the_requests():
    window = {"from": "2026-01-05T10:00:00+08:00", "until": "2026-01-05T10:01:00+08:00"}
    made = profile(0, {"operations": ["start_task"], "window": window, "fault": {"kind": "drop"}})
    assert fired(made, ["get_task_status", "start_task"]) == [None, "drop"]
    assert fired(made, ["start_task"], T0 - timedelta(seconds=1)) == [None]
    assert fired(made, ["start_task"], T0 + timedelta(seconds=59)) == ["drop"]
    assert fired(made, ["start_task"], T0 + timedelta(seconds=60)) == [None]
    assert made.rules[0].matched == 2


def test_a_relative_window_starts_when_the_rule_is_set():
    made = profile(0, {"window": {"seconds": 30}, "fault": {"kind": "reset"}})
    assert made.rules[0].start == T0 and made.rules[0].until == T0 + timedelta(seconds=30)


def test_latencies_add_up_and_the_first_fault_wins():
    made = profile(
        0,
        {"latency": {"seconds": 0.5}},
        {"fault": {"kind": "http_error", "status": 502}, "latency": {"seconds": 0.25}},
        {"fault": {"kind": "app_error"}},
    )
    decision = made.decide("start_task", T0)
    assert decision is not None
    assert decision.latency == 0.75 and decision.fault == Fault("http_error", status=502)
    assert decision.rule == "rule-2" and decision.fired == ("rule-1", "rule-2", "rule-3")


def test_probability_is_honoured_over_many_requests():
    made = profile(5, {"probability": 0.3, "fault": {"kind": "app_error"}})
    hits = sum(1 for kind in fired(made, ["start_task"] * 2000) if kind)
    assert 500 <= hits <= 700


def test_the_same_seed_repeats_the_fault_sequence_and_another_seed_does_not():
    rules = (
        {"probability": 0.4, "operations": ["get_task_status"], "fault": {"kind": "app_error"}},
        {"probability": 0.5, "latency": {"distribution": "lognormal", "median": 0.1, "sigma": 1}},
    )
    ops = ["get_task_status", "start_task", "get_task_status", "create_task"] * 25
    first, second, other = (fired(profile(s, *rules), ops) for s in (11, 11, 12))
    assert first == second and first != other
    assert {"app_error", None} <= set(first) and any(k and k.startswith("+") for k in first)


def test_a_rule_decides_its_nth_request_whatever_else_arrived_between():
    rule = {"probability": 0.5, "operations": ["get_task_status"], "fault": {"kind": "drop"}}
    alone = fired(profile(3, rule), ["get_task_status"] * 40)
    busy = fired(profile(3, rule), ["get_task_status", "start_task", "create_task"] * 40)
    assert [kind for i, kind in enumerate(busy) if i % 3 == 0] == alone
