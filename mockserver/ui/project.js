// A project's page (templates, tasks with their live state, counts) and the form that creates a
// task from a template with its constants.

import { projectIds, scoped } from "./api.js";
import { drawGraph } from "./graph.js";
import { fill, h, stateBadge, table } from "./dom.js";

const STATUS_BATCH = 50; // get_tasks_status takes at most 50 ids

function stateOf(status) {
  if (!status) return "CREATED";
  return typeof status === "string" ? status : status.state || "CREATED";
}

export class ProjectView {
  constructor(ctx, project) {
    this.ctx = ctx;
    this.project = project;
    this.ids = { bk_biz_id: projectIds(project) };
  }

  async mount(host) {
    const { api } = this.ctx;
    const p = this.project;
    this.counts = h("div", { id: "counts", class: "counts" });
    this.tasks = h("div", { id: "tasks" });
    this.templates = h("div", { id: "templates" });
    fill(host,
      h("h2", {}, p.name, h("small", {}, ` project ${p.project_id} · ${p.bk_biz_id > 0 ? `business ${p.bk_biz_id}` : "not a CMDB business"}`)),
      this.counts,
      h("section", {}, h("h3", {}, "Tasks"), this.tasks),
      h("section", {}, h("h3", {}, "Templates"), this.templates),
    );
    const own = await api.call("get_template_list", this.ids, scoped(p));
    const common = await api.call("get_template_list", this.ids, scoped(p, { template_source: "common" }));
    const rows = [
      ...own.data.map((t) => ({ ...t, source: "project" })),
      ...common.data.map((t) => ({ ...t, source: "common" })),
    ];
    this.templates.append(
      table(
        [
          ["id", (t) => t.id],
          ["name", (t) => t.name],
          ["category", (t) => t.category],
          ["source", (t) => t.source],
          ["", (t) => h("a", { class: "button", href: `#/p/${p.project_id}/new/${t.source}/${t.id}`, "data-new-task": t.id }, "New task")],
        ],
        rows,
        (t) => ({ "data-template-id": t.id, "data-source": t.source }),
      ),
    );
    await this.refresh();
  }

  async loadTasks() {
    const { api } = this.ctx;
    const p = this.project;
    let list;
    if (api.has("get_task_list")) {
      list = (await api.call("get_task_list", this.ids, scoped(p, { limit: 200 }))).data;
    } else {
      list = this.ctx.remembered(p.project_id);
    }
    list = [...list].sort((a, b) => b.id - a.id);
    const states = new Map();
    if (api.has("get_tasks_status")) {
      for (let i = 0; i < list.length; i += STATUS_BATCH) {
        const ids = list.slice(i, i + STATUS_BATCH).map((t) => t.id);
        const answer = await api.call("get_tasks_status", this.ids, scoped(p, { task_id_list: ids }));
        for (const item of answer.data) states.set(item.id, stateOf(item.status));
      }
    } else {
      for (const task of list) {
        const ids = { ...this.ids, task_id: task.id };
        const answer = await api.call("get_task_status", ids, scoped(p)).catch(() => null);
        states.set(task.id, answer ? stateOf(answer.data) : "UNKNOWN");
      }
    }
    return list.map((t) => ({ ...t, state: states.get(t.id) || "CREATED" }));
  }

  async refresh() {
    const { api } = this.ctx;
    const p = this.project;
    const tasks = await this.loadTasks();
    const note = api.has("get_task_list")
      ? null
      : h("p", { class: "hint" }, "This mock has no get_task_list: the list shows the tasks created from this page.");
    fill(this.tasks,
      note,
      tasks.length
        ? table(
            [
              ["id", (t) => h("a", { href: `#/p/${p.project_id}/task/${t.id}` }, t.id)],
              ["name", (t) => h("a", { href: `#/p/${p.project_id}/task/${t.id}` }, t.name)],
              ["template", (t) => t.template_id || ""],
              ["state", (t) => stateBadge(t.state)],
            ],
            tasks,
            (t) => ({ "data-task-id": t.id, "data-state": t.state }),
          )
        : h("p", { class: "hint" }, "No task yet: pick a template below."),
    );
    const counts = await api.call("query_task_count", this.ids, scoped(p, { group_by: "status" }));
    fill(this.counts,
      h("span", { class: "count" }, h("b", {}, counts.data.total), " tasks"),
      counts.data.groups.map((g) => h("span", { class: "count", "data-code": g.code }, h("b", {}, g.value), ` ${g.name}`)),
      h("span", { class: "hint" }, "(query_task_count)"),
    );
  }
}

function constantInput(constant) {
  const value = constant.value;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return h("input", {
    name: constant.key,
    value: text,
    "data-json": typeof value !== "string",
    placeholder: constant.desc || "",
  });
}

export class CreateView {
  constructor(ctx, project, source, templateId) {
    this.ctx = ctx;
    this.project = project;
    this.source = source;
    this.templateId = Number(templateId);
  }

  async mount(host) {
    const { api } = this.ctx;
    const p = this.project;
    const ids = { bk_biz_id: projectIds(p), template_id: this.templateId };
    const params = scoped(p, { template_source: this.source, include_constants: true, unfold_subprocess: true });
    const template = (await api.call("get_template_info", ids, params)).data;
    const tree = template.pipeline_tree;
    const shown = Object.values(tree.constants || {})
      .filter((c) => c.show_type === "show" && c.source_type !== "component_outputs")
      .sort((a, b) => (a.index || 0) - (b.index || 0));
    const name = h("input", { name: "name", id: "task-name", required: true, maxlength: 100, value: `${template.name} (dashboard)` });
    const startNow = h("input", { type: "checkbox", id: "start-now" });
    const form = h(
      "form",
      { id: "create-form", class: "create" },
      h("label", {}, "task name", name),
      shown.map((c) => h("label", { title: c.desc || "" }, `${c.name} ${c.key}`, constantInput(c))),
      h("label", { class: "inline" }, startNow, " start it at once"),
      h("button", { type: "submit", id: "create-task" }, "Create task"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit(form, ids, startNow.checked).catch((error) => this.ctx.error(error));
    });
    const graph = h("div", { class: "graph-host" });
    fill(host,
      h("h2", {}, `New task from template ${template.id}`, h("small", {}, ` ${template.name}`)),
      template.description ? h("p", {}, template.description) : null,
      form,
      h("h3", {}, "Its flow"),
      graph,
    );
    drawGraph(graph, tree).setStates({});
  }

  async submit(form, ids, startNow) {
    const { api } = this.ctx;
    const p = this.project;
    const constants = {};
    for (const input of form.querySelectorAll("input[name^='${']")) {
      constants[input.name] = input.dataset.json === "true" ? JSON.parse(input.value) : input.value;
    }
    const body = scoped(p, { name: form.elements.name.value, template_source: this.source, constants });
    const created = (await api.call("create_task", ids, body)).data;
    this.ctx.remember(p.project_id, {
      id: created.task_id,
      name: body.name,
      template_id: this.templateId,
      pipeline_tree: created.pipeline_tree,
    });
    if (startNow) await api.call("start_task", { bk_biz_id: ids.bk_biz_id, task_id: created.task_id }, scoped(p));
    this.ctx.navigate(`#/p/${p.project_id}/task/${created.task_id}`);
  }
}
