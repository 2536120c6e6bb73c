"""The dashboard's routes: the page and its files, the redirect, config.json, package data."""

from __future__ import annotations

import glob
import re
import tomllib
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import schemas
from mockserver import dashboard
from mockserver.app import create_app

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "mockserver" / "ui"
UI_FILES = sorted(p.name for p in UI.iterdir() if p.is_file())
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
}
# The only absolute URL the page may name: the SVG namespace, which is an identifier.
ALLOWED_URLS = {"http://www.w3.org/2000/svg"}


def test_root_redirects_to_the_dashboard(client):
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == "/__mock__/ui/"
    bare = client.get("/__mock__/ui", follow_redirects=False)
    assert bare.status_code == 307 and bare.headers["location"] == "/__mock__/ui/"
    page = client.get("/")
    assert page.status_code == 200 and "<title>sops-mock dashboard</title>" in page.text


def test_task_url_leads_to_the_dashboards_page_of_the_task(client):
    headers = {"X-Bkapi-Authorization": '{"bk_app_code": "demo", "bk_username": "admin"}'}
    created = client.post("/apigw/create_task/31/2/", json={"name": "n"}, headers=headers).json()
    task_url = created["data"]["task_url"]
    assert task_url.startswith("http://127.0.0.1:8000/taskflow/execute/")
    path = task_url.removeprefix("http://127.0.0.1:8000")
    answer = client.get(path, follow_redirects=False)
    project_id = path.split("/")[3]
    expected = f"/__mock__/ui/#/p/{project_id}/task/{created['data']['task_id']}"
    assert (answer.status_code, answer.headers["location"]) == (302, expected)
    page = client.get(path)
    assert page.status_code == 200 and "<title>sops-mock dashboard</title>" in page.text
    # Without a usable task id the project's page is the best place to land.
    for query in ("", "?instance_id=x", "?instance_id=%C2%B2"):
        other = client.get(f"/taskflow/execute/{project_id}/{query}", follow_redirects=False)
        assert other.headers["location"] == f"/__mock__/ui/#/p/{project_id}", query


def test_without_the_control_api_there_is_no_dashboard(settings):
    with TestClient(create_app(settings.with_(control=False))) as plain:
        paths = ("/", "/__mock__/ui/", "/__mock__/ui/app.js", "/__mock__/ui/config.json")
        for path in (*paths, "/taskflow/execute/1/?instance_id=1"):
            assert plain.get(path, follow_redirects=False).status_code == 404, path


@pytest.mark.parametrize("name", UI_FILES)
def test_every_file_of_the_page_is_served_with_its_type(client, name):
    answer = client.get(f"/__mock__/ui/{name}")
    assert answer.status_code == 200
    assert answer.content == (UI / name).read_bytes()
    assert answer.headers["content-type"].startswith(CONTENT_TYPES[Path(name).suffix])
    # The page loads and calls nothing but this server.
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"


def _references(text: str) -> set[str]:
    found = {r for r in re.findall(r'(?:href|src)="([^"#]+)"', text) if not r.startswith("data:")}
    found |= set(re.findall(r'from "\./([^"]+)"', text))
    return found


def test_the_page_is_self_contained():
    names = set(UI_FILES)
    for name in UI_FILES:
        text = (UI / name).read_text(encoding="utf-8")
        urls = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*", text))
        assert urls <= ALLOWED_URLS, (name, urls - ALLOWED_URLS)
        assert _references(text) <= names, (name, _references(text) - names)
    index = (UI / "index.html").read_text(encoding="utf-8")
    assert _references(index) == {"style.css", "app.js"}


@pytest.mark.parametrize(
    "path",
    [
        "/__mock__/ui/dashboard.py",
        "/__mock__/ui/..%2Fdashboard.py",
        "/__mock__/ui/%2E%2E/app.py",
        "/__mock__/ui/App.js",
        "/__mock__/ui/missing.js",
        "/__mock__/ui/.hidden.js",
    ],
)
def test_nothing_outside_the_page_files_is_served(client, path):
    assert client.get(path).status_code == 404


def _operations_named_in_the_page() -> set[str]:
    found: set[str] = set()
    for name in UI_FILES:
        if name.endswith(".js"):
            text = (UI / name).read_text(encoding="utf-8")
            found |= set(re.findall(r'api\.(?:call|has)\("([a-z_]+)"', text))
            found |= set(re.findall(r'this\.api\.(?:call|has)\("([a-z_]+)"', text))
    return found


def test_the_page_calls_only_operations_of_the_table():
    named = _operations_named_in_the_page()
    table = {op.name for op in schemas.OPERATIONS}
    assert named <= table, named - table
    # The seven of the 2018 doc are enough for the page to work; the rest are used when present.
    assert {"get_template_list", "create_task", "get_task_status", "operate_task"} <= named
    assert {"get_task_list", "get_task_detail", "operate_node"} <= named


def test_config_names_the_fixture_projects_and_auth(client):
    body = client.get("/__mock__/ui/config.json").json()
    assert body["auth"] == "lenient" and body["fixture"] == "default" and body["seed"] == 7
    assert {(p["project_id"], p["bk_biz_id"]) for p in body["projects"]} == {
        (1, 2),
        (2, 3),
        (3, -1),
    }


def test_config_is_behind_the_control_token(settings):
    with TestClient(create_app(settings.with_(control_token="s3cret"))) as guarded:
        refused = guarded.get("/__mock__/ui/config.json")
        assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
        allowed = guarded.get(
            "/__mock__/ui/config.json", headers={"Authorization": "Bearer s3cret"}
        )
        assert allowed.status_code == 200
        # The page itself holds no data: it loads, then asks for the token.
        assert guarded.get("/__mock__/ui/").status_code == 200


def test_dashboard_routes_are_not_in_either_openapi_document(client):
    bk_sops = client.get("/openapi.json").json()["paths"]
    control = client.get("/__mock__/openapi.json").json()["paths"]
    for paths in (bk_sops, control):
        assert not [p for p in paths if p.startswith(dashboard.PREFIX) or p == "/"]


def test_package_data_ships_every_page_file():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    package = ROOT / "mockserver"
    shipped = {
        Path(path).as_posix()
        for pattern in patterns
        for path in glob.glob(pattern, root_dir=package, recursive=True)
    }
    assert {f"ui/{name}" for name in UI_FILES} <= shipped


def test_settings_default_identity_is_documented_in_the_page():
    # The README tells strict-auth users what the page sends by default; keep both in step.
    api = (UI / "api.js").read_text(encoding="utf-8")
    assert 'DEFAULT_IDENTITY = { bk_app_code: "sops-mock-dashboard", bk_username: "admin" }' in api
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "sops-mock-dashboard" in readme
