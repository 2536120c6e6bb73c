"""count(): query_task_count's groups and conditions."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from simulator import InvalidCondition

from .builders import T0, engine, linear, spec


@pytest.fixture
def world():
    """Five tasks of project 1 (and one of project 2) in every status."""
    e, clock = engine()
    ops = spec(linear("a"), template_id=1, category="OpsTools")
    dev = spec(linear("a"), template_id=2, category="DevTools")

    def make(template, **kw):
        kw.setdefault("project_id", 1)
        return e.create_task(
            template,
            name=kw.pop("name", "nightly backup"),
            creator=kw.pop("creator", "alice"),
            **kw,
        ).id

    created = make(ops, create_method="app")
    clock.advance(60)
    running = make(ops, name="Deploy web", flow_type="common_func")
    finished = make(dev, creator="bob", create_method="periodic")
    revoked = make(dev, name="deploy db")
    paused = make(ops, create_method="mcp")
    make(ops, project_id=2)
    for task_id in (finished, revoked, paused):
        e.start_task(task_id, "carol")
    clock.advance(2)
    e.revoke_task(revoked)
    e.pause_task(paused)
    clock.advance(5)
    del running, created
    return e


def test_group_by_status(world):
    result = world.count(1, "status", {})
    assert result.total == 5
    assert result.groups == [
        ("CREATED", 2),
        ("EXECUTING", 2),
        ("FINISHED", 1),
    ]  # revoked: EXECUTING


def test_group_by_flow_type_and_create_method_list_every_choice(world):
    assert world.count(1, "flow_type", {}).groups == [("common", 4), ("common_func", 1)]
    assert world.count(1, "create_method", {}).groups == [
        ("app", 1), ("api", 2), ("app_maker", 0), ("periodic", 1),
        ("clocked", 0), ("mobile", 0), ("mcp", 1),
    ]  # fmt: skip


def test_group_by_category_lists_only_categories_with_tasks(world):
    result = world.count(1, "category", {})
    assert result.groups == [("DevTools", 2), ("OpsTools", 3)] and result.total == 5


@pytest.mark.parametrize(
    ("conditions", "total"),
    [
        ({"template_id": 2}, 2),
        ({"template_id": "2"}, 2),
        ({"name": "Deploy web"}, 1),
        ({"name__contains": "eploy"}, 2),
        ({"name__contains": "deploy"}, 1),
        ({"name__icontains": "DEPLOY"}, 2),
        ({"creator": "bob"}, 1),
        ({"executor": "carol"}, 3),
        ({"is_started": True}, 3),
        ({"is_started": "false"}, 2),
        ({"is_finished": "1"}, 1),
        ({"category": "DevTools"}, 2),
        ({"flow_type": "common_func"}, 1),
        ({"create_method": ["app", "mcp"]}, 2),
        ({"create_method": []}, 5),
        ({"create_time__gte": T0 + timedelta(seconds=30)}, 4),
        ({"create_time__lte": "2024-05-01 08:00:00"}, 1),  # naive: read in the given tz (UTC)
        ({"create_time__gte": "2024-05-01 16:00:30 +0800"}, 4),
        ({"start_time__gte": T0}, 3),
        ({"finish_time__lte": T0 + timedelta(days=1)}, 2),  # revoking sets finish_time too
        ({"create_time": int(T0.timestamp() * 1000) + 30_000}, 4),
        ({"finish_time": int((T0 - timedelta(days=1)).timestamp() * 1000)}, 0),
        ({"component_code": "x", "order_by": "-id", "type": "a", "is_remote": True}, 5),
        ({"creator": "None", "name": ""}, 5),
        ({"project_id": 2}, 5),
        ({"is_deleted": False}, 5),
        ({"start_time__isnull": True}, 2),
        ({"finish_time__isnull": "false"}, 2),
        ({"creator__in": "alice,bob"}, 5),
        ({"id__in": [1, 2]}, 2),
        ({"name__iexact": "DEPLOY DB"}, 1),
        ({"name__startswith": "Deploy"}, 1),
        ({"name__iendswith": "BACKUP"}, 3),
        ({"id__gt": 3}, 2),
    ],
)
def test_conditions(world, conditions, total):
    assert world.count(1, "status", conditions).total == total


@pytest.mark.parametrize(
    ("conditions", "key"),
    [
        ({"colour": "red"}, "colour"),
        ({"name__regex": "x"}, "name__regex"),
        ({"is_revoked": True}, "is_revoked"),
        ({"is_started": "maybe"}, "is_started"),
        ({"create_time__gte": "yesterday"}, "create_time__gte"),
        ({"create_time": "soon"}, "create_time"),
        ({"id": "one"}, "id"),
    ],
)
def test_invalid_conditions(world, conditions, key):
    with pytest.raises(InvalidCondition) as caught:
        world.count(1, "status", conditions)
    assert caught.value.key == key


def test_invalid_group_by(world):
    with pytest.raises(InvalidCondition):
        world.count(1, "colour", {})


def test_naive_times_use_the_given_timezone(world):
    shanghai = timezone(timedelta(hours=8))
    assert (
        world.count(1, "status", {"create_time__lte": "2024-05-01 16:00:00"}, tz=shanghai).total
        == 1
    )
    assert (
        world.count(1, "status", {"create_time__lte": datetime(2024, 5, 1, 8, tzinfo=UTC)}).total
        == 1
    )
