"""Credentials: header or legacy parameters; off, lenient and strict modes; secrets never echoed."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import AuthMode, Settings

LIST = "/apigw/get_template_list/2/"


def client_for(mode: AuthMode) -> TestClient:
    return TestClient(create_app(Settings(clock="virtual", auth=mode, validate_responses=True)))


def header(**creds: str) -> dict[str, str]:
    return {"X-Bkapi-Authorization": json.dumps(creds)}


def known_app_and_user(client: TestClient) -> tuple[dict, dict]:
    catalog = client.app.state.mock.catalog  # type: ignore[attr-defined]
    return next(iter(catalog.apps.values())), next(iter(catalog.users.values()))


def gateway_error(answer, reason: str) -> None:
    assert answer.status_code == 400
    body = answer.json()
    assert body["code_name"] == "INVALID_ARGS" and body["code"] == 1640001
    assert body["message"] == f'Parameters error [reason="{reason}"]'
    assert answer.headers["X-Bkapi-Error-Code"] == "1640001"


def test_off_checks_nothing():
    assert client_for("off").get(LIST).json()["result"] is True


@pytest.mark.parametrize(
    ("headers", "params", "reason"),
    [
        ({}, {}, "app code cannot be empty"),
        (
            header(bk_app_code="any"),
            {},
            "user authentication failed, please provide a valid user identity, "
            "such as bk_username, bk_token, access_token",
        ),
    ],
)
def test_lenient_wants_an_app_and_a_user(headers, params, reason):
    gateway_error(client_for("lenient").get(LIST, headers=headers, params=params), reason)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"headers": header(bk_app_code="x", bk_username="anyone")},
        {"headers": header(bk_app_code="x", bk_token="whatever")},
        {"params": {"app_code": "x", "bk_token": "t"}},
        {"params": {"bk_app_code": "x", "bk_username": "u"}},
        {"headers": header(access_token="token-alone")},
    ],
)
def test_lenient_accepts_any_values_from_header_or_legacy_params(kwargs):
    # The gateway lets them through; these apps are not trusted and these users hold no IAM
    # grant in the default fixture, so bk-sops's interceptor is what refuses them.
    answer = client_for("lenient").get(LIST, **kwargs)
    assert answer.status_code == 200
    assert answer.json()["message"] == (
        "iam authentication exception, please check, action:project_view"
    )


def test_lenient_reads_legacy_credentials_from_a_post_body():
    body = {"bk_app_code": "x", "bk_username": "admin", "group_by": "status"}
    answer = client_for("lenient").post("/apigw/query_task_count/2/", json=body)
    assert answer.json()["result"] is True


def test_strict_checks_the_registry():
    client = client_for("strict")
    app, user = known_app_and_user(client)
    good = header(
        bk_app_code=app["bk_app_code"],
        bk_app_secret=app["bk_app_secret"],
        bk_username=user["username"],
    )
    assert client.get(LIST, headers=good).json()["result"] is True
    gateway_error(
        client.get(LIST, headers=header(bk_app_code=app["bk_app_code"], bk_username="x")),
        "please provide bk_app_secret or bk_signature to verify app",
    )
    gateway_error(
        client.get(
            LIST,
            headers=header(
                bk_app_code=app["bk_app_code"], bk_app_secret="wrong", bk_username=user["username"]
            ),
        ),
        "bk_app_code or bk_app_secret is incorrect",
    )
    gateway_error(
        client.get(
            LIST,
            headers=header(
                bk_app_code=app["bk_app_code"],
                bk_app_secret=app["bk_app_secret"],
                bk_username="ghost",
            ),
        ),
        "user authentication failed, the user indicated by bk_username is not verified",
    )


def test_strict_accepts_a_known_token():
    client = client_for("strict")
    app, user = known_app_and_user(client)
    creds = header(
        bk_app_code=app["bk_app_code"],
        bk_app_secret=app["bk_app_secret"],
        bk_token=user["bk_token"],
    )
    assert client.get(LIST, headers=creds).json()["result"] is True


def test_a_malformed_authorization_header():
    answer = client_for("lenient").get(LIST, headers={"X-Bkapi-Authorization": "{nope"})
    gateway_error(answer, "X-Bkapi-Authorization is not valid JSON")


def test_secrets_never_come_back():
    client = client_for("strict")
    secret = "s3cr3t-value-that-must-not-leak"
    answer = client.get(
        LIST, headers=header(bk_app_code="who", bk_app_secret=secret, bk_username="u")
    )
    assert secret not in answer.text and secret not in str(answer.headers)


def test_the_creator_is_the_caller():
    client = client_for("lenient")
    creds = header(bk_app_code="app-x", bk_username="lina")  # lina may create from project 1's
    created = client.post("/apigw/create_task/30/2/", json={"name": "n"}, headers=creds).json()
    task = client.app.state.mock.engine.task(created["data"]["task_id"])  # type: ignore[attr-defined]
    assert (task.creator, task.create_info) == ("lina", "app-x")


def test_the_legacy_keys_are_exactly_those_the_legacy_reader_reads():
    from mockserver import auth

    for key in auth.LEGACY_KEYS:
        assert auth._legacy({key: "v"}), key
        assert auth.credentials(None, {key: "v", "name": "n"}), key
    others = dict.fromkeys(("name", "constants", "bk_biz_id", "token", "secret", "username"), "v")
    assert auth._legacy(others) == {} and auth.credentials(None, others) == {}
