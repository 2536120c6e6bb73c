"""Engine.project_of: the project a task was created in, None for an unknown id."""

from .builders import engine, linear, spec


def test_project_of_names_the_project_of_each_task_and_none_for_others():
    e, _ = engine()
    ids = {
        project: e.create_task(spec(linear("a")), name="t", creator="u", project_id=project).id
        for project in (1, 2, 5)
    }
    assert {project: e.project_of(task_id) for project, task_id in ids.items()} == {
        1: 1,
        2: 2,
        5: 5,
    }
    assert e.project_of(max(ids.values()) + 1) is None and e.project_of(0) is None
