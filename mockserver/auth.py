"""Who is calling: credentials from the gateway header or the legacy ESB parameters.

Modes (DESIGN.md section 3): `off` checks nothing; `lenient` wants an app code and a user
identity, any values; `strict` checks them against the fixture's app registry and users.
Failures take the API gateway's shape. Secrets are read here and never stored or echoed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

from .catalog import Catalog
from .errors import GatewayError, invalid_args
from .settings import AuthMode

HEADER = "x-bkapi-authorization"
HEADER_RAW = HEADER.encode("latin-1")
# Parameter names that carry credentials; the journal and logs mask their values.
SECRET_KEYS = frozenset(
    {"app_secret", "bk_app_secret", "bk_token", "access_token", "jwt", "bk_signature"}
)
CREDENTIAL_KEYS = SECRET_KEYS | {"app_code", "bk_app_code", "bk_username"}
# What `_legacy` reads: a body or query without any of them has no legacy credentials.
LEGACY_KEYS = frozenset(
    {"bk_app_code", "app_code", "bk_app_secret", "app_secret", "bk_token", "access_token"}
    | {"bk_username"}
)


class Identity(NamedTuple):
    """The caller: a named tuple, since one is made per request."""

    app_code: str
    username: str


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def credentials(header: str | None, params: Mapping[str, Any]) -> dict[str, str]:
    """Merge the header's credentials over the legacy ones found in the query or body."""
    found: dict[str, str] = {}
    if params and not params.keys().isdisjoint(LEGACY_KEYS):
        found.update(_legacy(params))
    if header:
        try:
            parsed = orjson.loads(header)
        except orjson.JSONDecodeError:
            raise invalid_args("X-Bkapi-Authorization is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise invalid_args("X-Bkapi-Authorization must be a JSON object")
        found.update({k: v for k, v in parsed.items() if isinstance(v, str) and v})
    return found


def _legacy(params: Mapping[str, Any]) -> dict[str, str]:
    legacy = {
        "bk_app_code": _text(params.get("bk_app_code")) or _text(params.get("app_code")),
        "bk_app_secret": _text(params.get("bk_app_secret")) or _text(params.get("app_secret")),
        "bk_token": _text(params.get("bk_token")),
        "access_token": _text(params.get("access_token")),
        "bk_username": _text(params.get("bk_username")),
    }
    return {k: v for k, v in legacy.items() if v}


def authenticate(mode: AuthMode, creds: Mapping[str, str], catalog: Catalog) -> Identity:
    app_code = creds.get("bk_app_code", "")
    username = creds.get("bk_username", "")
    token = creds.get("bk_token") or creds.get("access_token") or ""
    if mode == "off":
        return Identity(app_code, username or catalog.user_for_token(token) or "admin")
    if mode == "lenient":
        return _lenient(app_code, username, token, creds, catalog)
    return _strict(app_code, username, token, creds, catalog)


def _lenient(
    app_code: str, username: str, token: str, creds: Mapping[str, str], catalog: Catalog
) -> Identity:
    # An access_token identifies both the app and the user, as the gateway reads it.
    if creds.get("access_token") and not app_code:
        return Identity("", catalog.user_for_token(creds["access_token"]) or "access_token_user")
    if not app_code:
        raise invalid_args("app code cannot be empty")
    if not (username or token):
        raise invalid_args(
            "user authentication failed, please provide a valid user identity, "
            "such as bk_username, bk_token, access_token"
        )
    return Identity(app_code, username or catalog.user_for_token(token) or "bk_token_user")


def _strict(
    app_code: str, username: str, token: str, creds: Mapping[str, str], catalog: Catalog
) -> Identity:
    access_token = creds.get("access_token", "")
    if access_token and not app_code:
        user = catalog.user_for_token(access_token)
        if user is None:
            raise invalid_args("access_token is invalid")
        return Identity("", user)
    if not app_code:
        raise invalid_args("app code cannot be empty")
    secret = creds.get("bk_app_secret", "")
    if not secret:
        raise invalid_args("please provide bk_app_secret or bk_signature to verify app")
    app = catalog.apps.get(app_code)
    if app is None or app.get("bk_app_secret") != secret:
        raise invalid_args("bk_app_code or bk_app_secret is incorrect")
    if token:
        user = catalog.user_for_token(token)
        if user is None:
            raise invalid_args(
                "user authentication failed, please provide a valid user identity, "
                "such as bk_username, bk_token, access_token"
            )
        return Identity(app_code, user)
    if not username:
        raise invalid_args(
            "user authentication failed, please provide a valid user identity, "
            "such as bk_username, bk_token, access_token"
        )
    if username not in catalog.users:
        raise invalid_args(
            "user authentication failed, the user indicated by bk_username is not verified"
        )
    return Identity(app_code, username)


def error_headers(error: GatewayError) -> dict[str, str]:
    # Header values must be latin-1; the messages here are ASCII by construction.
    return {"X-Bkapi-Error-Code": str(error.code), "X-Bkapi-Error-Message": error.message}
