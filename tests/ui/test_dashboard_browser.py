"""The dashboard in a real headless Chromium: tasks created, started and operated from the page,
nodes changing colour as the mock's virtual clock moves. No sleeps: Playwright's expect waits
for each condition, and time moves only when the page's clock buttons move it.

`SOPS_MOCK_SCREENSHOT=docs/dashboard.png pytest tests/ui` refreshes the README's screenshot.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator

import pytest

from mockserver.running import RunningMock
from tests.mockserver.api import AUTH_HEADER
from tests.mockserver.receiver import receiving

pytestmark = pytest.mark.browser

# style.css's state colours, as getComputedStyle reports an SVG fill.
COLOURS = {
    "CREATED": "rgb(203, 213, 225)",
    "RUNNING": "rgb(37, 99, 235)",
    "FINISHED": "rgb(22, 163, 74)",
    "FAILED": "rgb(220, 38, 38)",
    "SUSPENDED": "rgb(217, 119, 6)",
    "REVOKED": "rgb(55, 65, 81)",
}
PARALLEL_DEPLOY = 33  # a check, three regions in parallel, a notice
DB_BACKUP = 38  # its export step fails once, then succeeds on retry
FIVE_STEPS = 31


@pytest.fixture
def mock() -> Iterator[RunningMock]:
    # Starts run at once here: these tests follow the dashboard's drawing, not bk-sops's start
    # queue (tests/mockserver/test_start_queue.py holds that).
    with RunningMock(seed=0, start_delay=(0.0, 0.0)) as served:
        yield served


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def node(page, state: str | None = None, kind: str | None = None):
    selector = "g.node"
    if kind:
        selector += f"[data-kind={kind}]"
    if state:
        selector += f"[data-state={state}]"
    return page.locator(selector)


def create_task(page, base_url: str, template_id: int, name: str, start: bool = False) -> None:
    page.goto(f"{base_url}/__mock__/ui/#/p/1")
    page.locator(f"a[data-new-task='{template_id}']").first.click()
    page.fill("#task-name", name)
    if start:
        page.check("#start-now")
    page.click("#create-task")
    expect()(page.locator("#task-state")).to_be_visible()
    expect()(page.locator("main")).to_have_attribute("data-ready", "true")


def task_state(page, state: str) -> None:
    expect()(page.locator("#task-state")).to_have_attribute("data-state", state)


def test_a_task_lights_up_as_the_clock_moves_and_finishes(browser_page, mock, tmp_path):
    page, check = browser_page, expect()
    page.goto(mock.base_url + "/")
    # `/` leads to the dashboard, which opens the first project.
    check(page).to_have_url(re.compile(r"/__mock__/ui/#/p/1$"))
    check(page.locator("#templates tr[data-template-id]")).not_to_have_count(0)

    create_task(page, mock.base_url, PARALLEL_DEPLOY, "from the browser")
    task_state(page, "CREATED")
    activities = node(page, kind="activity")
    check(activities).to_have_count(5)
    check(node(page, kind="gateway")).to_have_count(2)
    check(node(page, state="CREATED")).to_have_count(node(page).count())
    check(activities.first.locator(".shape")).to_have_css("fill", COLOURS["CREATED"])

    page.click("button[data-action=start]")
    task_state(page, "RUNNING")
    running = node(page, state="RUNNING")
    check(running).to_have_count(1)
    first = running.get_attribute("data-node-id")
    check(running.locator(".shape")).to_have_css("fill", COLOURS["RUNNING"])
    check(node(page, kind="start").locator(".shape")).to_have_css("fill", COLOURS["FINISHED"])

    page.click("button[data-advance='10']")
    moved = page.locator(f"g.node[data-node-id='{first}']")
    check(moved).to_have_attribute("data-state", "FINISHED")
    check(moved.locator(".shape")).to_have_css("fill", COLOURS["FINISHED"])
    # The parallel branches are under way: some done, some running, the notice not reached.
    check(node(page, state="RUNNING", kind="activity")).not_to_have_count(0)
    check(node(page, state="CREATED", kind="activity")).not_to_have_count(0)
    node(page, state="RUNNING", kind="activity").first.click()
    check(page.locator("#node-state")).to_have_attribute("data-state", "RUNNING")
    check(page.locator("#node-panel [data-node-action=forced_fail]")).to_be_visible()
    page.screenshot(path=str(tmp_path / "dashboard.png"))
    if os.environ.get("SOPS_MOCK_SCREENSHOT"):
        page.screenshot(path=os.environ["SOPS_MOCK_SCREENSHOT"])

    page.click("#clock-until-idle")
    task_state(page, "FINISHED")
    check(node(page, state="FINISHED", kind="activity")).to_have_count(5)
    check(node(page, kind="end")).to_have_attribute("data-state", "FINISHED")
    for index in range(5):
        check(activities.nth(index).locator(".shape")).to_have_css("fill", COLOURS["FINISHED"])
    for action in ("start", "pause", "resume", "revoke"):
        check(page.locator(f"button[data-action={action}]")).to_be_disabled()

    # The project page lists the task as the API reports it, and counts it.
    page.click("a[data-project-id='1']")
    row = page.locator("#tasks tr[data-task-id]")
    check(row).to_have_count(1)
    check(row).to_have_attribute("data-state", "FINISHED")
    check(page.locator("#counts .count[data-code=FINISHED] b")).to_have_text("1")


def test_a_failed_node_is_retried_from_its_panel(browser_page, mock):
    page, check = browser_page, expect()
    create_task(page, mock.base_url, DB_BACKUP, "backup", start=True)
    page.click("#clock-until-idle")
    task_state(page, "FAILED")
    failed = node(page, state="FAILED")
    check(failed).to_have_count(1)
    check(failed.locator(".shape")).to_have_css("fill", COLOURS["FAILED"])
    failed.click()
    check(page.locator("#node-state")).to_have_attribute("data-state", "FAILED")
    check(page.locator("#node-panel .ex-data")).to_contain_text("ex_data")
    page.click("button[data-node-action=retry]")
    check(page.locator("#node-panel .node-actions button[data-node-action=retry]")).to_have_count(0)
    page.click("#clock-until-idle")
    task_state(page, "FINISHED")
    check(node(page, state="FAILED")).to_have_count(0)
    check(page.locator("#node-state")).to_have_attribute("data-state", "FINISHED")


def test_pause_resume_and_revoke_buttons(browser_page, mock):
    page, check = browser_page, expect()
    create_task(page, mock.base_url, FIVE_STEPS, "paused", start=True)
    page.click("button[data-action=pause]")
    task_state(page, "SUSPENDED")
    check(page.locator("#task-state")).to_have_css("background-color", COLOURS["SUSPENDED"])
    reached = node(page, state="FINISHED").count() + node(page, state="RUNNING").count()
    page.click("button[data-advance='60']")
    # Soft pause: the running node may finish, but no new node starts.
    check(node(page, state="RUNNING")).to_have_count(0)
    assert node(page, state="FINISHED").count() == reached
    page.click("button[data-action=resume]")
    task_state(page, "RUNNING")
    page.click("#clock-until-idle")
    task_state(page, "FINISHED")

    create_task(page, mock.base_url, PARALLEL_DEPLOY, "revoked", start=True)
    page.click("button[data-action=revoke]")
    task_state(page, "REVOKED")
    check(page.locator("#task-state")).to_have_css("background-color", COLOURS["REVOKED"])
    page.click("#clock-until-idle")
    task_state(page, "REVOKED")
    check(node(page, kind="end")).to_have_attribute("data-reached", "false")


def test_a_subprocess_opens_into_its_own_graph(browser_page, mock):
    page, check = browser_page, expect()
    create_task(page, mock.base_url, 36, "with a subprocess", start=True)
    sub = node(page, kind="subprocess")
    check(sub).to_have_count(1)
    page.click("button[data-advance='10']")
    check(sub).to_have_attribute("data-state", "RUNNING")
    sub.locator(".open-sub").click()
    check(page.locator("#crumbs a")).to_have_count(2)
    # The nested pipeline has its own start event, coloured from the subprocess's children.
    check(node(page, kind="start")).to_have_attribute("data-state", "FINISHED")
    check(node(page, kind="activity", state="FINISHED")).not_to_have_count(0)
    page.click("#clock-until-idle")
    check(node(page, kind="end")).to_have_attribute("data-state", "FINISHED")
    task_state(page, "FINISHED")


def test_under_strict_auth_the_page_asks_for_an_identity(browser_page):
    page, check = browser_page, expect()
    with RunningMock(auth="strict") as strict:
        page.goto(strict.base_url + "/__mock__/ui/")
        check(page.locator("#banner")).to_have_attribute("data-kind", "error")
        check(page.locator("#banner-text")).to_contain_text("strict auth")
        page.click("#settings-button")
        page.fill("input[name=bk_app_code]", "app_code")
        page.fill("input[name=bk_app_secret]", "app_secret")
        page.fill("input[name=bk_username]", "admin")
        page.click("#settings-save")
        check(page.locator("#templates tr[data-template-id]")).not_to_have_count(0)


def _centres(page) -> dict[str, tuple[float, float]]:
    found = {}
    for group in page.locator("g.node").all():
        match = re.fullmatch(r"translate\(([-\d.]+),([-\d.]+)\)", group.get_attribute("transform"))
        assert match is not None
        x, y = match.groups()
        found[group.get_attribute("data-node-id")] = (float(x), float(y))
    return found


@pytest.mark.parametrize("template_id", [PARALLEL_DEPLOY, 34, 35, 36])
def test_the_graph_runs_left_to_right_without_overlaps(browser_page, mock, template_id):
    page, check = browser_page, expect()
    create_task(page, mock.base_url, template_id, "layout")
    check(page.locator("g.node")).not_to_have_count(0)
    centres = _centres(page)
    edges = page.locator("g.edge").all()
    assert edges
    for edge in edges:
        # Every flow goes rightwards (the fixture's flows have no loops).
        source, target = edge.get_attribute("data-source"), edge.get_attribute("data-target")
        assert centres[source][0] < centres[target][0], (source, target)
    boxes = [page.locator(f"g.node[data-node-id='{n}'] .shape").bounding_box() for n in centres]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            )
            assert apart, (a, b)
    # Exclusive and conditional gateways label their branches with the conditions' names.
    if template_id in (34, 35):
        check(page.locator("text.flow-label")).not_to_have_count(0)


# A page of another origin (another port of 127.0.0.1) that tries what issue 17 found working:
# reset the mock, add a fault rule, create a task through ESB with credentials in the body (the
# "simple" requests a browser sends without a preflight), and read the state.
ATTACK_PAGE = """<!doctype html><meta charset="utf-8"><title>attack</title><script>
const mock = %(mock)s, results = {};
async function attempt(name, url, init) {
  try {
    const answer = await fetch(mock + url, init);
    results[name] = {status: answer.status, type: answer.type, text: await answer.text()};
  } catch (error) {
    results[name] = {error: String(error)};
  }
}
(async () => {
  const esb = JSON.stringify({bk_app_code: "sops-test", bk_app_secret: "test-secret",
    bk_username: "admin", bk_biz_id: 2, template_id: 31, name: "made by another site"});
  await attempt("reset", "/__mock__/reset", {method: "POST", mode: "no-cors", body: "{}"});
  await attempt("fault", "/__mock__/faults", {method: "POST", mode: "no-cors",
    body: JSON.stringify({fault: {kind: "app_error"}})});
  await attempt("fault_json", "/__mock__/faults", {method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({fault: {kind: "app_error"}})});
  await attempt("esb", "/api/c/compapi/v2/sops/create_task/",
    {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: esb});
  await attempt("clock", "/__mock__/clock", {method: "POST", mode: "no-cors",
    body: JSON.stringify({advance: 86400})});
  await attempt("state", "/__mock__/state", {});
  document.body.dataset.results = JSON.stringify(results);
  document.body.dataset.done = "true";
})();
</script><body></body>"""


@pytest.fixture
def attack_site(mock) -> Iterator[str]:
    """The attack page, served from a second 127.0.0.1 port: a different origin."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    page = (ATTACK_PAGE % {"mock": json.dumps(mock.base_url)}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        thread.join(10)


def test_a_page_of_another_origin_can_neither_change_nor_read_the_mock(
    browser_page, mock, attack_site
):
    page, check = browser_page, expect()
    # Something to lose: a task made from the dashboard itself, which its own origin may do.
    create_task(page, mock.base_url, FIVE_STEPS, "kept")
    before = mock.state()
    page.goto(attack_site)
    check(page.locator("body")).to_have_attribute("data-done", "true")
    results = json.loads(page.locator("body").get_attribute("data-results"))
    # Reading across origins fails in the browser (no CORS header), and so does the preflighted
    # JSON post; the simple posts get opaque answers the page cannot see.
    assert "error" in results["state"] and "error" in results["fault_json"], results
    for name in ("reset", "fault", "esb", "clock"):
        assert results[name].get("type") == "opaque", results
    after = mock.state()
    assert after == before
    assert mock.faults() == [] and len(after["engine"]["tasks"]) == 1
    # The dashboard, on its own origin, still works after the attack.
    create_task(page, mock.base_url, FIVE_STEPS, "after the attack")
    assert len(mock.state()["engine"]["tasks"]) == 2


def test_a_tasks_webhooks_show_on_its_page(browser_page, mock):
    page, check = browser_page, expect()
    with receiving() as receiver:
        receiver.statuses = [500]  # the first call fails, its retry a second later succeeds
        body = {"name": "hooked", "callback_url": receiver.url + "/done"}
        request = urllib.request.Request(
            f"{mock.base_url}/apigw/create_and_start_task/{FIVE_STEPS}/2/",
            data=json.dumps(body).encode(),
            headers=AUTH_HEADER,
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            created = json.loads(answer.read())
        page.goto(f"{mock.base_url}/__mock__/ui/#/p/1/task/{created['data']['task_id']}")
        check(page.locator("main")).to_have_attribute("data-ready", "true")
        check(page.locator("#webhooks")).to_be_visible()
        check(page.locator("#webhooks h3")).to_contain_text(receiver.url + "/done")
        check(page.locator("#webhooks li.delivery")).to_have_count(0)
        page.click("#clock-until-idle")
        task_state(page, "FINISHED")
        delivery = page.locator("#webhooks li.delivery")
        check(delivery).to_have_attribute("data-outcome", "pending")
        check(delivery.locator(".attempts li[data-ok=false]")).to_contain_text("500")
        page.click("button[data-advance='10']")
        check(delivery).to_have_attribute("data-outcome", "success")
        check(delivery.locator(".attempts li")).to_have_count(2)
        assert len(receiver.wait_for(2)) == 2
        if os.environ.get("SOPS_MOCK_WEBHOOK_SHOT"):
            page.screenshot(path=os.environ["SOPS_MOCK_WEBHOOK_SHOT"], full_page=True)
