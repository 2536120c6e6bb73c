"""The official `bkapi-component-open` client drives the periodic-task family on a served mock."""

from __future__ import annotations

import pytest
from bkapi_component.open.client import Client

from mockserver.running import RunningMock

BIZ = 2
TEMPLATE = 31


@pytest.mark.parametrize("bk_api_ver", ["v2", ""])
def test_official_client_schedules_runs_and_reads_them(bk_api_ver):
    with RunningMock() as served:
        client = Client(endpoint=served.base_url, bk_api_ver=bk_api_ver)
        client.update_bkapi_authorization(
            bk_app_code="sops-test", bk_app_secret="test-secret", bk_username="admin"
        )
        sops = client.sops
        created = sops.create_periodic_task(
            {
                "bk_biz_id": BIZ,
                "template_id": TEMPLATE,
                "name": "official nightly",
                "cron": {"minute": "0", "hour": "*/6"},
                "constants": {"${bk_timing}": "2"},
            }
        )
        assert created["result"] is True and created["data"]["enabled"] is False
        task = {"bk_biz_id": BIZ, "task_id": created["data"]["id"]}
        assert sops.set_periodic_task_enabled({**task, "enabled": True})["data"] == {
            "enabled": True
        }
        cron = sops.modify_cron_for_periodic_task({**task, "cron": {"minute": "30", "hour": "*"}})
        assert cron["data"]["cron"] == "30 * * * * (m/h/d/dM/MY) Asia/Shanghai"
        changed = sops.modify_constants_for_periodic_task(
            {**task, "constants": {"${bk_timing}": "1"}}
        )
        assert changed["data"]["${bk_timing}"]["value"] == "1"
        served.advance(3 * 3600)
        info = sops.get_periodic_task_info(task)["data"]
        assert info["total_run_count"] == 3 and info["enabled"] is True
        listed = sops.get_periodic_task_list({"bk_biz_id": BIZ})["data"]
        assert [item["id"] for item in listed] == [task["task_id"]]
        runs = sops.get_task_list({"bk_biz_id": BIZ, "limit": 3})["data"]
        assert [run["create_method"] for run in runs] == ["periodic"] * 3
