"""The operation table: one row per schema folder, paths in backend id order, immutable rows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import schemas
from schemas import Operation, operation


def operation_folders() -> set[str]:
    """The folders of schemas/ that hold an operation's request and response schemas."""
    package = Path(schemas.__file__).resolve().parent
    return {
        folder.name
        for folder in package.iterdir()
        if (folder / "request.schema.json").is_file()
        and (folder / "response.schema.json").is_file()
    }


def test_names_are_unique_and_looked_up():
    names = [op.name for op in schemas.OPERATIONS]
    # One row per operation folder: the count comes from the folders, not from a number here.
    assert len(names) == len(set(names))
    assert set(names) == operation_folders()
    assert all(operation(name) is op for name, op in zip(names, schemas.OPERATIONS, strict=True))
    assert schemas.operation_names() == tuple(names)


def test_an_unknown_operation_is_a_lookup_error():
    with pytest.raises(LookupError, match="no_such_op"):
        operation("no_such_op")


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("get_template_list", "/apigw/get_template_list/{bk_biz_id}/"),
        ("get_template_info", "/apigw/get_template_info/{template_id}/{bk_biz_id}/"),
        ("create_task", "/apigw/create_task/{template_id}/{bk_biz_id}/"),
        ("start_task", "/apigw/start_task/{task_id}/{bk_biz_id}/"),
        ("operate_task", "/apigw/operate_task/{task_id}/{bk_biz_id}/"),
        ("get_task_status", "/apigw/get_task_status/{task_id}/{bk_biz_id}/"),
        ("query_task_count", "/apigw/query_task_count/{bk_biz_id}/"),
    ],
)
def test_backend_paths_carry_ids_in_backend_order(name, path):
    assert operation(name).path() == path


def test_paths_take_another_prefix_and_any_id_order():
    assert operation("start_task").path("/api/bk-sops/prod") == (
        "/api/bk-sops/prod/start_task/{task_id}/{bk_biz_id}/"
    )
    reversed_ids = Operation("get_task_node_data", "GET", ("bk_biz_id", "task_id"), "node data")
    no_ids = Operation("get_user_project_list", "GET", (), "projects")
    assert reversed_ids.path() == "/apigw/get_task_node_data/{bk_biz_id}/{task_id}/"
    assert no_ids.path() == "/apigw/get_user_project_list/"


PROJECTLESS = {"get_common_template_list", "get_common_template_info", "get_user_project_list"}


@pytest.mark.parametrize("op", schemas.OPERATIONS, ids=lambda op: op.name)
def test_path_ids_are_required_request_properties(op):
    request = schemas.schema(op.name, "request")
    assert set(op.path_ids) <= set(request["required"])
    # scope says what bk_biz_id means, so exactly the operations of a project take it.
    assert ("bk_biz_id" in op.path_ids) is (op.name not in PROJECTLESS)
    assert ("scope" in request["properties"]) is (op.name not in PROJECTLESS)


@pytest.mark.parametrize("op", schemas.OPERATIONS, ids=lambda op: op.name)
def test_method_decides_where_parameters_travel(op):
    assert op.params_in == {"GET": "query", "POST": "body"}[op.method]


def test_operations_off_the_gateway_are_those_api_resources_yml_does_not_list():
    # gcloud/apigw/management/commands/data/api-resources.yml lists no operationId for these
    missing = [op.name for op in schemas.OPERATIONS if not op.on_gateway]
    assert missing == [
        "query_task_count",
        "modify_constants_for_task",
        "get_tasks_manual_intervention_state",
        "get_node_job_executed_log",
        "preview_common_task_tree",
    ]


def test_rows_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        operation("create_task").name = "other"  # type: ignore[misc]


def test_links_point_at_operations_of_the_table():
    for op in schemas.OPERATIONS:
        for link in op.links:
            target = operation(link.operation)
            request = schemas.schema(target.name, "request")
            # Path ids, or query parameters of a GET (a body field cannot be linked).
            known = set(target.path_ids) | (
                set(request["properties"]) if target.method == "GET" else set()
            )
            assert {name for name, _ in link.parameters} <= known
    assert [link.operation for link in operation("create_task").links] == [
        "start_task",
        "operate_task",
        "get_task_status",
        "get_task_detail",
        "get_task_node_detail",
        "get_task_node_data",
        "operate_node",
        "node_callback",
        "modify_constants_for_task",
        "claim_functionalization_task",
        "get_task_operate_record",
        "get_task_node_log",
    ]
