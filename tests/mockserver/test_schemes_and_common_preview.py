"""get_template_schemes and preview_common_task_tree over HTTP."""

from __future__ import annotations

import hashlib
import json

import pytest

import fixtures

from .api import FAMILIES, Api
from .taskflow import BIZ, NOT_EXIST, OTHER_BIZ, create, failure

OFF_GATEWAY = ("backend", "esb", "esb-nov2")
INSPECTION = 39  # two schemes; its node 9fb669db... (the clean-up) is optional
SCHEMES = {"bk_biz_id": BIZ, "template_id": INSPECTION}
COMMON = 10001
COMMON_IDS = {"bk_biz_id": BIZ, "template_id": COMMON}
COMMON_NODE = "7f11d7438ce513b54710aea2b78b4195"  # not optional


def _template(template_id: int, group: str = "templates") -> dict:
    found: dict = next(t for t in fixtures.load("default")[group] if t["id"] == template_id)
    return found


@pytest.mark.parametrize("family", FAMILIES)
def test_schemes_are_listed_with_their_unique_ids_and_nodes(client, family):
    api = Api(client, family)
    fixture = _template(INSPECTION)
    answer = api.ok("get_template_schemes", SCHEMES)
    assert answer["data"] == [
        {
            "id": f"{INSPECTION}-{scheme['name']}",
            "name": scheme["name"],
            "data": json.dumps(scheme["data"], ensure_ascii=False, separators=(",", ":")),
        }
        for scheme in fixture["schemes"]
    ]


def test_a_listed_scheme_id_selects_the_nodes_of_create_task(api):
    tree = _template(INSPECTION)["pipeline_tree"]
    optional = {k for k, a in tree["activities"].items() if a.get("optional")}
    for scheme in api.ok("get_template_schemes", SCHEMES)["data"]:
        task = create(api, INSPECTION, template_schemes_id=[scheme["id"]])
        kept = {a["template_node_id"] for a in task["pipeline_tree"]["activities"].values()}
        chosen = set(json.loads(scheme["data"]))
        assert kept == set(tree["activities"]) - (optional - chosen)


def test_a_scheme_id_past_64_bits_is_an_integer_not_a_refused_item(api):
    # The body parser (orjson) gives such an integer as a whole float, bk-sops's json as an
    # int: either way an integer id, so the answer is the one for an unknown integer id.
    ids = {"template_id": INSPECTION, "bk_biz_id": 2}
    huge = api.call("create_task", ids, {"name": "a", "template_schemes_id": [2**75]})
    unknown = api.call("create_task", ids, {"name": "b", "template_schemes_id": [10**6]})
    assert "all items must be" not in str(huge.get("message"))
    assert huge["result"] == unknown["result"] and huge["code"] == unknown["code"]


def test_with_constants_adds_the_constants_the_scheme_still_uses(api):
    tree = _template(INSPECTION)["pipeline_tree"]
    optional = sorted(k for k, a in tree["activities"].items() if a.get("optional"))
    listed = api.ok("get_template_schemes", SCHEMES, {"with_constants": "TRUE"})["data"]
    for scheme in listed:
        left_out = sorted(set(optional) - set(json.loads(scheme["data"])))
        preview = api.ok("preview_task_tree", SCHEMES, {"exclude_task_nodes_id": left_out})
        assert scheme["detail"] == {"constants": preview["data"]["pipeline_tree"]["constants"]}
    for flag in ("1", "yes", "false"):
        plain = api.ok("get_template_schemes", SCHEMES, {"with_constants": flag})["data"]
        assert all("detail" not in scheme for scheme in plain)


def test_a_template_without_schemes_has_none(api):
    assert api.ok("get_template_schemes", {"bk_biz_id": BIZ, "template_id": 30})["data"] == []


def test_schemes_of_a_template_of_another_project(api):
    body = api.call("get_template_schemes", {"bk_biz_id": OTHER_BIZ, "template_id": INSPECTION})
    assert failure(body, 3540400) == NOT_EXIST.format("TaskTemplate matching query does not exist.")
    assert body["data"] is None and "trace_id" not in body


# preview_common_task_tree ----------------------------------------------------------------------
@pytest.mark.parametrize("family", OFF_GATEWAY)
def test_common_preview_is_the_common_templates_tree(client, family):
    api = Api(client, family)
    tree = _template(COMMON, "common_templates")["pipeline_tree"]
    data = api.ok("preview_common_task_tree", COMMON_IDS, {"exclude_task_nodes_id": []})["data"]
    assert set(data["pipeline_tree"]["activities"]) == set(tree["activities"])
    assert set(data["pipeline_tree"]["constants"]) | set(data["constants_not_referred"]) == set(
        tree["constants"]
    )
    text = json.dumps(tree, sort_keys=True, ensure_ascii=False)
    version = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    assert api.ok("preview_common_task_tree", COMMON_IDS, {"version": version})["data"] == data


@pytest.mark.parametrize(
    ("ids", "body", "code", "message"),
    [
        (COMMON_IDS, None, 3540000, "request body is not a valid json"),
        (COMMON_IDS, {"exclude_task_nodes_id": COMMON_NODE}, 3540000,
         "invalid exclude_task_nodes_id"),
        (COMMON_IDS, {"exclude_task_nodes_id": [COMMON_NODE]}, 3599999,
         f"preview_common_task_tree fail: task node[id={COMMON_NODE}] is not optional"),
        (COMMON_IDS, {"exclude_task_nodes_id": [[1]]}, 3599999,
         "preview_common_task_tree fail: unhashable type: 'list'"),
        (COMMON_IDS, {"version": "1.0.0"}, 3599999,
         "preview_common_task_tree fail: Snapshot matching query does not exist."),
        ({"bk_biz_id": BIZ, "template_id": INSPECTION}, {"version": None}, 3599999,
         "preview_common_task_tree fail: CommonTemplate matching query does not exist."),
        ({"bk_biz_id": 99, "template_id": COMMON}, {"version": None}, 3540400,
         "project(99) with scope(cmdb_biz) does not exist."),
    ],
    ids=["empty-body", "not-a-list", "not-optional", "unhashable", "old-version",
         "project-template", "unknown-project"],
)  # fmt: skip
def test_common_preview_errors(api, ids, body, code, message):
    assert failure(api.call("preview_common_task_tree", ids, body), code) == message
