"""Same seed, same fixture, same calls at the same clock readings: the same bytes."""

from __future__ import annotations

from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

from .api import AUTH_HEADER

SCRIPT = [
    ("GET", "/apigw/get_template_list/2/", None),
    ("GET", "/apigw/get_template_info/30/2/?include_constants=true", None),
    ("POST", "/apigw/create_task/30/2/", {"name": "a", "constants": {"${content}": "echo"}}),
    ("POST", "/apigw/create_task/30/2/", {"name": "b"}),
    ("POST", "/apigw/start_task/1/2/", None),
    ("GET", "/apigw/get_task_status/1/2/", None),
    ("CLOCK", "/__mock__/clock", {"advance": 3}),
    ("GET", "/apigw/get_task_status/1/2/", None),
    ("POST", "/apigw/operate_task/1/2/", {"action": "pause"}),
    ("POST", "/apigw/start_task/2/2/", None),
    ("CLOCK", "/__mock__/clock", {"until_idle": True}),
    ("POST", "/apigw/operate_task/1/2/", {"action": "resume"}),
    ("CLOCK", "/__mock__/clock", {"until_idle": True}),
    ("GET", "/apigw/get_task_status/1/2/?with_ex_data=1", None),
    ("GET", "/apigw/get_task_status/2/2/", None),
    ("POST", "/apigw/query_task_count/2/", {"group_by": "status"}),
    ("POST", "/apigw/operate_task/2/2/", {"action": "revoke"}),
    ("POST", "/apigw/create_task/999/2/", {"name": "missing"}),
]


def run(seed: int) -> list[bytes]:
    app = create_app(Settings(clock="virtual", seed=seed, validate_responses=True))
    answers = []
    with TestClient(app) as client:
        for method, path, body in SCRIPT:
            if method == "CLOCK":
                answers.append(client.post(path, json=body).content)
            elif method == "GET":
                answers.append(client.get(path, headers=AUTH_HEADER).content)
            else:
                answers.append(client.post(path, json=body, headers=AUTH_HEADER).content)
    return answers


def test_two_apps_answer_byte_for_byte_the_same():
    first, second = run(seed=11), run(seed=11)
    assert first == second


def test_another_seed_changes_the_derived_values():
    assert run(seed=11) != run(seed=12)
