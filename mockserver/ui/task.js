// A task's page: its pipeline drawn as a graph coloured by live state, the task's buttons, and a
// panel for the selected node with the node operations this mock serves.

import { projectIds, scoped } from "./api.js";
import { drawGraph, GATEWAYS } from "./graph.js";
import { fill, h, stateBadge, TERMINAL } from "./dom.js";

// Which task buttons make sense in which displayed state (the mock still judges every call).
const TASK_ACTIONS = {
  start: new Set(["CREATED"]),
  pause: new Set(["RUNNING", "READY", "FAILED", "NODE_SUSPENDED"]),
  resume: new Set(["SUSPENDED"]),
  revoke: new Set(["RUNNING", "READY", "FAILED", "NODE_SUSPENDED", "SUSPENDED"]),
};

// Walk a subprocess path down the tree and the status tree together.
function descend(tree, status, path) {
  let t = tree;
  let s = status;
  for (const id of path) {
    const act = (t.activities || {})[id];
    if (!act || !act.pipeline) return null;
    t = act.pipeline;
    s = s && s.children ? s.children[id] : null;
  }
  return { tree: t, status: s };
}

function time(value) {
  return value ? String(value).replace(/ [+-]\d{4}$/, "") : "–";
}

// The control API's ISO 8601 times, shown as the bk-sops times are (no fraction, no offset).
function isoTime(value) {
  return value ? String(value).replace("T", " ").replace(/(\.\d+)?([+-]\d\d:\d\d|Z)$/, "") : "–";
}

export class TaskView {
  constructor(ctx, project, taskId, path) {
    this.ctx = ctx;
    this.project = project;
    this.taskId = Number(taskId);
    this.path = path; // subprocess node ids, outermost first
    this.ids = { bk_biz_id: projectIds(project), task_id: this.taskId };
    this.status = null;
    this.selected = null;
  }

  async loadTree() {
    const { api } = this.ctx;
    if (api.has("get_task_detail")) {
      const detail = (await api.call("get_task_detail", this.ids, scoped(this.project))).data;
      return { name: detail.name, template: detail.template_id, tree: detail.pipeline_tree };
    }
    const known = this.ctx.remembered(this.project.project_id).find((t) => t.id === this.taskId);
    if (!known) return null;
    return { name: known.name, template: known.template_id, tree: known.pipeline_tree };
  }

  async mount(host) {
    const p = this.project;
    this.task = await this.loadTree();
    this.stateEl = stateBadge("CREATED", { id: "task-state" });
    this.buttons = Object.keys(TASK_ACTIONS).map((action) =>
      h("button", { type: "button", "data-action": action, onclick: () => this.operate(action) }, action),
    );
    this.times = h("span", { class: "times" });
    this.panel = h("aside", { id: "node-panel", class: "panel" }, h("p", { class: "hint" }, "Select a node to see it and act on it."));
    this.graphHost = h("div", { class: "graph-host", id: "graph" });
    const crumbs = [h("a", { href: `#/p/${p.project_id}/task/${this.taskId}` }, "pipeline")];
    let base = `#/p/${p.project_id}/task/${this.taskId}`;
    let tree = this.task && this.task.tree;
    for (const id of this.path) {
      base += `/sub/${id}`;
      const act = tree && tree.activities && tree.activities[id];
      crumbs.push(" › ", h("a", { href: base }, act ? act.name : id));
      tree = act && act.pipeline;
    }
    fill(host,
      h(
        "h2",
        {},
        `Task ${this.taskId} `,
        h("small", {}, this.task ? `${this.task.name} · template ${this.task.template}` : ""),
        " ",
        this.stateEl,
      ),
      h("div", { class: "toolbar" }, this.buttons, this.times),
      h("nav", { class: "crumbs", id: "crumbs" }, crumbs),
      h("div", { class: "task-body" }, this.graphHost, this.panel),
      h("div", { class: "legend" }, ["CREATED", "RUNNING", "FINISHED", "FAILED", "SUSPENDED", "REVOKED"].map((s) => stateBadge(s))),
      (this.hooks = h("section", { class: "webhooks", id: "webhooks", hidden: true })),
    );
    const level = this.task && descend(this.task.tree, null, this.path);
    if (!level) {
      this.graphHost.append(
        h("p", { class: "hint" }, "This mock has no get_task_detail, so only tasks created from this page show their graph. Their states are below."),
        h("pre", { id: "status-json" }),
      );
    } else {
      this.level = level.tree;
      this.graph = drawGraph(this.graphHost, level.tree, {
        onSelect: (id) => this.select(id),
        onOpen: (id) => this.ctx.navigate(`${base}/sub/${id}`),
      });
    }
    await this.refresh();
  }

  async refresh() {
    const { api } = this.ctx;
    const answer = await api.call("get_task_status", this.ids, scoped(this.project, { with_ex_data: true }));
    this.status = answer.data;
    const state = this.status.state;
    this.stateEl.dataset.state = state;
    this.stateEl.textContent = state;
    for (const button of this.buttons) button.disabled = !TASK_ACTIONS[button.dataset.action].has(state);
    this.times.textContent = `started ${time(this.status.start_time)} · finished ${time(this.status.finish_time)} · ${this.status.elapsed_time || 0} s`;
    if (this.graph) {
      const here = descend(this.task.tree, this.status, this.path);
      this.graph.setStates(here && here.status ? here.status.children : {});
    } else {
      const pre = document.getElementById("status-json");
      if (pre) pre.textContent = JSON.stringify(this.status, null, 2);
    }
    if (this.selected) this.renderPanel();
    await this.renderWebhooks();
    return TERMINAL.has(state);
  }

  // The task's callback_url record and each callback the mock made or will make (control API).
  async renderWebhooks() {
    let answer;
    try {
      answer = await this.ctx.api.control("GET", `/__mock__/webhooks?task_id=${this.taskId}`);
    } catch {
      return; // an older mock without webhooks: nothing to show
    }
    const [record] = answer.records;
    this.hooks.hidden = !record;
    if (!record) return;
    const attempt = (a) =>
      h("li", { "data-ok": a.ok ? "true" : "false" }, `#${a.attempt} ${isoTime(a.at)} → ${a.status || "no answer"}${a.error ? ` (${a.error})` : ""}`);
    const rows = answer.deliveries.map((d) =>
      h(
        "li",
        { class: "delivery", "data-outcome": d.outcome || "pending" },
        h("b", {}, d.event + (d.node_id ? ` ${d.node_id}` : "")),
        ` at ${isoTime(d.event_time)} · ${d.outcome || `next attempt ${isoTime(d.due)}`} `,
        h("code", {}, d.body),
        h("ul", { class: "attempts" }, d.attempts.map(attempt)),
      ),
    );
    fill(
      this.hooks,
      h("h3", {}, "Webhooks ", h("small", {}, `${record.url} · callback_version ${record.callback_version ?? "—"} · ${record.status}`)),
      rows.length ? h("ul", {}, rows) : h("p", { class: "hint" }, "No callback yet: bk-sops calls back when the task finishes, fails or is revoked."),
    );
  }

  async operate(action) {
    const { api } = this.ctx;
    try {
      if (action === "start") await api.call("start_task", this.ids, scoped(this.project));
      else await api.call("operate_task", this.ids, scoped(this.project, { action }));
      this.ctx.notice(`${action}: success`);
    } catch (error) {
      this.ctx.error(error);
    }
    await this.refresh();
  }

  select(id) {
    this.selected = id;
    this.graph.select(id);
    this.detail = null;
    this.renderPanel();
    this.loadDetail(id);
  }

  async loadDetail(id) {
    const { api } = this.ctx;
    if (!api.has("get_task_node_detail")) return;
    const params = scoped(this.project, { node_id: id, subprocess_stack: JSON.stringify(this.path) });
    try {
      this.detail = (await api.call("get_task_node_detail", this.ids, params)).data;
    } catch (error) {
      this.detail = { error: error.message };
    }
    if (this.selected === id) this.renderPanel();
  }

  nodeStatus(id) {
    const here = descend(this.task.tree, this.status, this.path);
    return here && here.status && here.status.children ? here.status.children[id] : null;
  }

  renderPanel() {
    const id = this.selected;
    const node = this.graph.view.nodes.get(id);
    const status = this.nodeStatus(id);
    const state = status ? status.state : "CREATED";
    const exData = this.status && this.status.ex_data ? this.status.ex_data[id] : null;
    const rows = [
      ["id", id],
      ["type", node.type + (GATEWAYS[node.type] ? ` (${GATEWAYS[node.type].kind})` : "")],
      ["component", node.raw.component ? node.raw.component.code : ""],
      ["started", time(status && status.start_time)],
      ["finished", time(status && status.finish_time)],
      ["retry / loop", status ? `${status.retry} / ${status.loop}` : ""],
      ["version", status ? status.version : ""],
    ].filter(([, v]) => v);
    fill(this.panel,
      h("h3", {}, node.name || node.kind, " ", stateBadge(state, { id: "node-state" })),
      h("dl", {}, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      exData ? h("div", { class: "ex-data" }, h("b", {}, "ex_data "), typeof exData === "string" ? exData : JSON.stringify(exData)) : null,
      h("div", { class: "node-actions" }, this.nodeActions(node, state, status)),
      this.detail ? h("details", {}, h("summary", {}, "get_task_node_detail"), h("pre", {}, JSON.stringify(this.detail, null, 2))) : null,
    );
  }

  nodeActions(node, state, status) {
    const { api } = this.ctx;
    const out = [];
    const button = (label, run) =>
      h("button", { type: "button", "data-node-action": label, onclick: () => this.nodeCall(label, run) }, label);
    if (node.kind === "subprocess") {
      out.push(h("button", { type: "button", onclick: () => this.ctx.navigate(`${location.hash.split("?")[0]}/sub/${node.id}`) }, "open subprocess"));
    }
    if (!api.has("operate_node")) {
      if (state === "FAILED") out.push(h("p", { class: "hint" }, "This mock has no operate_node: revoke the task instead."));
      return out;
    }
    const operate = (action, extra = {}) => () =>
      api.call("operate_node", this.ids, scoped(this.project, { node_id: node.id, action, ...extra }));
    if (state === "FAILED" && node.kind === "activity") {
      if (node.raw.retryable !== false) out.push(button("retry", operate("retry")));
      if (node.raw.skippable !== false) out.push(button("skip", operate("skip")));
    }
    if (state === "FAILED" && node.type === "ExclusiveGateway") {
      // One button per branch, named by its condition as the graph labels it.
      for (const edge of this.graph.view.edges.filter((e) => e.source === node.id)) {
        out.push(button(`skip_exg → ${edge.label || edge.id}`, operate("skip_exg", { flow_id: edge.id })));
      }
    }
    if (state === "RUNNING" && node.kind === "activity") {
      if (api.has("node_callback")) {
        const version = status ? status.version : undefined;
        out.push(button("callback", () => api.call("node_callback", this.ids, scoped(this.project, { node_id: node.id, version, callback_data: {} }))));
      }
      out.push(button("forced_fail", operate("forced_fail")));
    }
    return out;
  }

  async nodeCall(label, run) {
    try {
      await run();
      this.ctx.notice(`${label}: success`);
    } catch (error) {
      this.ctx.error(error);
    }
    await this.refresh();
  }
}
