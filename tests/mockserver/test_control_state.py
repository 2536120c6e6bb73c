"""A refused PUT /__mock__/state changes nothing: the whole document is checked, then installed."""

from __future__ import annotations

import copy

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

from .api import Api

BIZ = 2


def _other_state() -> dict:
    """A valid snapshot of another mock (another seed, a task, a rule): installing it shows."""
    with TestClient(create_app(Settings(clock="virtual", seed=99))) as other:
        Api(other).ok("create_task", {"template_id": 30, "bk_biz_id": BIZ}, {"name": "o"})
        other.post("/__mock__/faults", json={"id": "theirs", "latency": {"seconds": 1}})
        state: dict = other.get("/__mock__/state").json()
        return state


OTHER = _other_state()


def _broken(path: tuple, value: object) -> dict:
    state = copy.deepcopy(OTHER)
    target = state
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return state


CASES = [
    (("counters", "requests"), "x"),  # was checked only after the install had wiped everything
    (("counters", "trace"), -1),
    (("counters", "requests"), 10**30),
    (("seed",), 10**30),
    (("clock", "now"), "9999-12-31T23:59:59+00:00"),
    (("faults", "rules"), [{"fault": {"kind": "x"}}]),
    (("faults", "rules"), [{"id": f"r{i}", "latency": {"seconds": 0}} for i in range(1001)]),
    (("scenario_changes",), {"not": "a list"}),
    (("engine", "tasks"), [1]),
    (("fixture", "data"), {"projects": 1}),
]


@pytest.mark.parametrize(("path", "value"), CASES, ids=[".".join(p) for p, _ in CASES])
def test_a_refused_restore_changes_nothing(api, client, path, value):
    api.ok("create_task", {"template_id": 31, "bk_biz_id": BIZ}, {"name": "mine"})
    client.post(
        "/__mock__/faults",
        json={"id": "mine", "operations": ["start_task"], "latency": {"seconds": 0}},
    )
    client.put("/__mock__/scenarios/components/bk_display", json={"duration": 4})
    api.ok("get_template_list", {"bk_biz_id": BIZ})
    before = {
        "journal": client.get("/__mock__/journal").json(),
        "faults": client.get("/__mock__/faults").json(),
        "book": client.get("/__mock__/scenarios").json(),
        "health": client.get("/__mock__/health").json(),
        "state": client.get("/__mock__/state").json(),
    }
    answer = client.put("/__mock__/state", json=_broken(path, value))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_state", answer.text
    after = {
        "journal": client.get("/__mock__/journal").json(),
        "faults": client.get("/__mock__/faults").json(),
        "book": client.get("/__mock__/scenarios").json(),
        "health": client.get("/__mock__/health").json(),
        "state": client.get("/__mock__/state").json(),
    }
    assert after == before
    assert after["health"]["seed"] == 7 and after["journal"]["entries"]


def test_the_unbroken_document_is_installed_whole(client):
    answer = client.put("/__mock__/state", json=OTHER)
    assert answer.status_code == 200 and answer.json()["seed"] == 99
    assert [r["id"] for r in client.get("/__mock__/faults").json()["rules"]] == ["theirs"]
    assert client.get("/__mock__/journal").json()["entries"] == []  # traffic is not state
