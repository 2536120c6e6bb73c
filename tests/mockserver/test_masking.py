"""One masking rule for the access log and the journal: whatever one hides, the other hides."""

from __future__ import annotations

import logging

from starlette.testclient import TestClient

from mockserver.accesslog import MaskedAccessLog, logger, masked_query
from mockserver.app import create_app
from mockserver.journal import MASK, summarize
from mockserver.settings import Settings

from .api import AUTH_HEADER

KEYS = ["token", "db_password", "bk_app_secret", "access_token", "X_Signature", "jwt", "name"]
SECRETS = {"token", "db_password", "bk_app_secret", "access_token", "X_Signature", "jwt"}


def test_the_log_masks_what_the_journal_masks():
    query = "&".join(f"{key}=value-of-{key}" for key in KEYS)
    logged = masked_query(query)
    journalled = summarize({key: f"value-of-{key}" for key in KEYS})
    for key in KEYS:
        hidden_in_log = f"value-of-{key}" not in logged
        hidden_in_journal = journalled[key] == MASK
        assert hidden_in_log == hidden_in_journal == (key in SECRETS), key


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_served_request_logs_no_secret():
    app = create_app(Settings(clock="virtual", seed=2))
    query = "token=t0psecret&db_password=hunter2&bk_app_secret=s3cret&bk_biz_id=2&name=kept"
    # On the access log's own logger: uvicorn's logging set-up, once run by another test, stops
    # propagation above it (caplog would see nothing).
    lines, level = Lines(), logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    try:
        with TestClient(MaskedAccessLog(app)) as client:
            answer = client.get(f"/apigw/get_template_list/2/?{query}", headers=AUTH_HEADER)
            assert answer.status_code == 200
            entry = client.get("/__mock__/journal?limit=1").json()["entries"][0]
    finally:
        logger.removeHandler(lines)
        logger.setLevel(level)
    line = "\n".join(lines.lines)
    assert "/apigw/get_template_list/2/" in line and "name=kept" in line
    for secret in ("t0psecret", "hunter2", "s3cret"):
        assert secret not in line
    assert entry["params"]["token"] == entry["params"]["db_password"] == MASK
    assert entry["params"]["name"] == "kept"
