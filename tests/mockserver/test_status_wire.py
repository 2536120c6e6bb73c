"""get_task_status with its children kept serialized (validation off) answers byte for byte as
the tree built per read (validation on): through creation, start, clock moves, polls, node
operations, subprocess views, the with_* flags, revocation and reset."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

from .api import Api
from .taskflow import LINEAR, ONCE_FAILING, ONCE_FAILING_NODE, PAUSING, PAUSING_NODE, node_of

SUBPROCESS = 36  # embeds template 37
FLAGS = [{}, {"with_ex_data": "1"}, {"with_failed_node_info": "1", "with_auto_retry_status": "1"}]


def _script(client: TestClient, kept: list[int]) -> list[bytes]:
    api = Api(client)
    out: list[bytes] = []

    def status(task: dict[str, Any], **params: Any) -> None:
        for _ in range(2):  # the second read may come from what the first kept
            out.append(api.raw("get_task_status", task["ids"], params).content)

    def advance(seconds: float) -> None:
        assert client.post("/__mock__/clock", json={"advance": seconds}).status_code == 200

    tasks = []
    for template in (LINEAR, PAUSING, SUBPROCESS, ONCE_FAILING):
        body = api.ok("create_task", {"template_id": template, "bk_biz_id": 2}, {"name": "t"})
        task = body["data"]
        task["ids"] = {"task_id": task["task_id"], "bk_biz_id": 2}
        tasks.append(task)
    linear, pausing, sub, failing = tasks
    status(linear)  # CREATED
    sub_node = next(
        node_id
        for node_id, act in sub["pipeline_tree"]["activities"].items()
        if act["type"] == "SubProcess"
    )
    for task in tasks:
        api.ok("start_task", task["ids"])
    for seconds in (0, 0.4, 1, 3, 7, 30):
        advance(seconds)
        for task in tasks:
            for flags in FLAGS:
                status(task, **flags)
        status(sub, subprocess_id=sub_node)
        status(sub, subprocess_id="n_not_a_node")
    status(pausing)
    for action in ("pause", "resume"):  # same clock, running rows alike: only states change
        out.append(api.raw("operate_task", pausing["ids"], {"action": action}).content)
        status(pausing)
    callback = {"node_id": node_of(pausing["pipeline_tree"], PAUSING_NODE), "data": {"a": 1}}
    out.append(api.raw("node_callback", pausing["ids"], callback).content)
    status(pausing)
    retry = {"node_id": node_of(failing["pipeline_tree"], ONCE_FAILING_NODE), "action": "retry"}
    out.append(api.raw("operate_node", failing["ids"], retry).content)
    status(failing, with_ex_data="1")
    out.append(api.raw("operate_task", linear["ids"], {"action": "revoke"}).content)
    status(linear)
    assert client.post("/__mock__/clock", json={"until_idle": True}).status_code == 200
    for task in tasks:
        status(task, with_ex_data="1")
    memo = client.app.state.mock.memo  # type: ignore[attr-defined]
    kept.append(sum(key[0] == "get_task_status" for key in memo._entries))
    assert client.post("/__mock__/reset", json={}).status_code == 200
    status(linear)  # gone with the reset
    return out


def test_kept_status_bytes_equal_the_tree_built_per_read():
    answers: list[list[bytes]] = []
    entries: list[int] = []
    for validate in (True, False):
        app = create_app(Settings(clock="virtual", seed=3, validate_responses=validate))
        with TestClient(app) as client:
            answers.append(_script(client, entries))
    assert entries[0] == 0 and entries[1] >= 4  # kept only without validation
    built, kept = answers
    assert len(built) == len(kept) > 150
    assert built == kept
    assert len(set(built)) > 60  # the script does see the tasks move
