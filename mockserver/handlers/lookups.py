"""Template lookups shared by the operations that read or instantiate a template.

bk-sops words the not-found message differently per view: get_template_info puts a space
after the comma inside `project[...]`, create_task and create_and_start_task do not.
"""

from __future__ import annotations

from mockserver.call import Call
from mockserver.catalog import Template
from mockserver.errors import CONTENT_NOT_EXIST, ApiError
from mockserver.state import MockState


def find_template(call: Call, mock: MockState, *, project_source: bool, spaced: bool) -> Template:
    """The call's template: the project's own when `project_source`, else a common one."""
    project = call.require_project()
    template_id = call.ids["template_id"]
    if not project_source:
        common = mock.catalog.common_template(template_id)
        if common is None:
            raise ApiError(CONTENT_NOT_EXIST, f"common template[id={template_id}] does not exist")
        return common
    template = mock.catalog.template(project.project_id, template_id)
    if template is None:
        gap = " " if spaced else ""
        raise ApiError(
            CONTENT_NOT_EXIST,
            f"template[id={template_id}] of project[project_id={project.project_id},{gap}"
            f"biz_id={project.bk_biz_id}] does not exist",
        )
    return template
