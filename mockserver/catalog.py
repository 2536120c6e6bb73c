"""The fixture's projects, apps, users and templates, indexed for lookups by id and scope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator import TemplateSpec

# Keys of a web pipeline tree that only the editor's canvas uses.
LAYOUT_KEYS = ("line", "location")


@dataclass(frozen=True)
class Project:
    project_id: int
    bk_biz_id: int
    name: str
    from_cmdb: bool
    time_zone: str
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class Template:
    id: int
    project_id: int | None  # None for a common template
    name: str
    category: str
    creator: str
    create_time: datetime
    editor: str | None
    edit_time: datetime
    description: str | None
    tree: Mapping[str, Any]
    raw: Mapping[str, Any]
    # One spec per project, shared by every task made from it (tasks keep theirs).
    _specs: dict[int, TemplateSpec] = field(default_factory=dict, compare=False, repr=False)

    @property
    def source(self) -> str:
        return "common" if self.project_id is None else "project"

    def spec(self, project_id: int) -> TemplateSpec:
        made = self._specs.get(project_id)
        if made is None:
            made = self._specs[project_id] = TemplateSpec(
                template_id=self.id,
                project_id=project_id,
                name=self.name,
                category=self.category,
                tree=self.tree,
                source=self.source,
            )
        return made


def _template(raw: Mapping[str, Any], project_id: int | None) -> Template:
    return Template(
        id=int(raw["id"]),
        project_id=project_id,
        name=raw["name"],
        category=raw.get("category", "Default"),
        creator=raw.get("creator", "admin"),
        create_time=datetime.fromisoformat(raw["create_time"]),
        editor=raw.get("editor"),
        edit_time=datetime.fromisoformat(raw.get("edit_time") or raw["create_time"]),
        description=raw.get("description"),
        tree=raw["pipeline_tree"],
        raw=raw,
    )


class Catalog:
    """Read-only lookups over one loaded fixture."""

    def __init__(self, fixture: Mapping[str, Any]) -> None:
        self.fixture = fixture
        self.projects = [
            Project(
                project_id=int(p["project_id"]),
                bk_biz_id=int(p.get("bk_biz_id", -1)),
                name=p["name"],
                from_cmdb=bool(p.get("from_cmdb", True)),
                time_zone=p.get("time_zone", "Asia/Shanghai"),
                raw=p,
            )
            for p in fixture.get("projects", [])
        ]
        self._by_id = {p.project_id: p for p in self.projects}
        self._by_biz = {p.bk_biz_id: p for p in self.projects if p.from_cmdb}
        self.templates = [_template(t, int(t["project_id"])) for t in fixture.get("templates", [])]
        self.common_templates = [_template(t, None) for t in fixture.get("common_templates", [])]
        self._templates = {(t.project_id, t.id): t for t in self.templates}
        self._common = {t.id: t for t in self.common_templates}
        self._template_project = {t.id: t.project_id for t in self.templates}
        self.apps = {a["bk_app_code"]: a for a in fixture.get("apps", [])}
        self.users = {u["username"]: u for u in fixture.get("users", [])}
        self._user_by_token: dict[str, str] = {}
        for user in fixture.get("users", []):
            for key in ("bk_token", "access_token"):
                if user.get(key):
                    self._user_by_token[user[key]] = user["username"]

    def project(self, ident: int, scope: str) -> Project | None:
        """bk-sops's rule: `cmdb_biz` reads a CMDB business id, any other scope a project id."""
        if scope == "cmdb_biz":
            return self._by_biz.get(ident)
        return self._by_id.get(ident)

    def project_by_id(self, project_id: int) -> Project | None:
        return self._by_id.get(project_id)

    def template(self, project_id: int, template_id: int) -> Template | None:
        return self._templates.get((project_id, template_id))

    def template_project(self, template_id: int) -> int | None:
        """The project of a project template found by id alone (as bk-sops's res_factory)."""
        return self._template_project.get(template_id)

    def common_template(self, template_id: int) -> Template | None:
        return self._common.get(template_id)

    def project_templates(self, project_id: int) -> list[Template]:
        return [t for t in self.templates if t.project_id == project_id]

    def user_for_token(self, token: str) -> str | None:
        return self._user_by_token.get(token)
