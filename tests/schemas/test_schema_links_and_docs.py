"""Links resolve on real answers, and the docs' examples of the newer operations are held to
today's rules: their repairs are needed, and they pass only as the docs show them."""

from __future__ import annotations

import pytest

import schemas

from .schema_helpers import example, mutate

LINKED = [
    (op.name, link)
    for op in schemas.OPERATIONS
    for link in op.links
    if any(value.startswith("$response.body#") for _, value in link.parameters)
]


def _pointer(document, pointer: str):
    node = document
    for token in pointer.lstrip("/").split("/"):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


@pytest.mark.parametrize(("op", "link"), LINKED, ids=[f"{op}-{link.name}" for op, link in LINKED])
def test_link_values_exist_in_todays_answer_and_fit_the_target(op, link):
    answer = example(op, "response.today")
    target = schemas.schema(link.operation, "request")
    for name, value in link.parameters:
        if not value.startswith("$response.body#"):
            continue
        found = _pointer(answer, value.removeprefix("$response.body#"))
        # The value must be one the target's request schema takes for that parameter.
        instance = dict.fromkeys(target["required"], 1) | {name: found}
        failure = schemas.validate(link.operation, "request", instance)
        assert failure is None or failure.field != name, failure


def test_operate_node_docs_answer_needed_its_repair():
    docs = example("operate_node", "response.docs")
    assert schemas.validate("operate_node", "response", docs) is None
    with_code = mutate(docs, "/code", 0)
    failure = schemas.validate("operate_node", "response", with_code)
    assert failure is not None and failure.field == "message"


@pytest.mark.parametrize(
    ("op", "pointer", "value"),
    [
        ("get_task_detail", "/data/instance_name", "job_20190117121300"),
        ("get_task_node_detail", "/data/name", "<class 'x'>"),
        ("get_common_template_list", "/data/0/description", None),
    ],
)
def test_docs_only_shapes_pass_without_code_and_fail_with_it(op, pointer, value):
    """Extra docs keys are tolerated in docs-era answers, not in today's (code) answers."""
    docs = mutate(example(op, "response.docs"), pointer, value)
    docs.pop("code", None)
    assert schemas.validate(op, "response", docs) is None
    today = mutate(example(op, "response.today"), pointer, value)
    if op == "get_common_template_list":
        today = mutate(today, "/data/0/project_id", 1)
    assert schemas.validate(op, "response", today) is not None


def test_get_tasks_status_takes_a_root_without_children_only_as_a_whole_node():
    answer = example("get_tasks_status", "response.today")
    started = next(item for item in answer["data"] if item["status"]["state"] != "CREATED")
    assert "children" not in started["status"]
    assert schemas.validate("get_tasks_status", "response", answer) is None
    broken = mutate(answer, f"/data/{answer['data'].index(started)}/status/root_id", "n1")
    assert schemas.validate("get_tasks_status", "response", broken) is not None
