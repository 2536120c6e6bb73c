"""GET requests: a body, when one is announced, is still read and held to the limit."""

from __future__ import annotations

import pytest

from .api import AUTH_HEADER

LIST = "/apigw/get_template_list/2/"
LIMIT = "request body is larger than the limit of 1048576 bytes"


@pytest.mark.parametrize(
    ("content", "refused"),
    [(None, False), (b"", False), (b'{"ignored": true}', False), (b"x" * 2_000_000, True)],
)
def test_a_get_body_is_ignored_unless_too_large(client, content, refused):
    answer = client.request("GET", LIST, content=content, headers=AUTH_HEADER).json()
    if refused:
        assert (answer["result"], answer["code"], answer["message"]) == (False, 3540000, LIMIT)
    else:
        assert answer["result"] is True and len(answer["data"]) == 10


def test_a_chunked_get_body_is_held_to_the_limit(client):
    def chunks():
        for _ in range(40):
            yield b"y" * 60_000

    answer = client.request("GET", LIST, content=chunks(), headers=AUTH_HEADER).json()
    assert (answer["result"], answer["message"]) == (False, LIMIT)
