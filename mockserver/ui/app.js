// The dashboard's start: finds what the mock serves, lists the projects, routes #/... to a view,
// polls the live view and the clock, and keeps the settings (identity, control token, polling).

import { Api, DEFAULT_IDENTITY } from "./api.js";
import { ClockPanel } from "./clock.js";
import { fill, h } from "./dom.js";
import { CreateView, ProjectView } from "./project.js";
import { TaskView } from "./task.js";

const POLL_KEY = "sops-mock.poll-ms";
const TASKS_KEY = "sops-mock.tasks";

class Dashboard {
  constructor() {
    this.api = new Api();
    this.projects = [];
    this.view = null;
    this.busy = false;
    this.pollMs = Number(localStorage.getItem(POLL_KEY)) || 1000;
    this.main = document.getElementById("view");
    this.banner = document.getElementById("banner");
  }

  async start() {
    this.clock = new ClockPanel(document.getElementById("clock"), this.api, {
      onMoved: () => this.tick(true),
      onError: (error) => this.error(error),
    });
    this.setupSettings();
    try {
      await this.api.init();
      this.config = await this.api.control("GET", "/__mock__/ui/config.json");
      await this.loadProjects();
      await this.clock.refresh();
    } catch (error) {
      this.error(error);
      if (error.status === 401) this.openSettings();
      return;
    }
    document.getElementById("fixture").textContent = `fixture ${this.config.fixture} · seed ${this.config.seed} · auth ${this.config.auth}`;
    window.addEventListener("hashchange", () => this.route());
    await this.route();
    this.schedule();
  }

  async loadProjects() {
    // get_user_project_list where the mock has it, else the fixture's projects.
    if (this.api.has("get_user_project_list")) {
      this.projects = (await this.api.call("get_user_project_list", {}, {})).data;
    } else {
      this.projects = this.config.projects;
    }
    const list = document.getElementById("projects");
    fill(list,
      this.projects.map((p) =>
        h("li", {}, h("a", { href: `#/p/${p.project_id}`, "data-project-id": p.project_id }, p.name, h("small", {}, p.bk_biz_id > 0 ? ` biz ${p.bk_biz_id}` : ` project ${p.project_id}`))),
      ),
    );
  }

  project(id) {
    return this.projects.find((p) => String(p.project_id) === String(id));
  }

  // Tasks this page created, with the tree create_task answered (for mocks without
  // get_task_list / get_task_detail).
  remembered(projectId) {
    const all = JSON.parse(sessionStorage.getItem(TASKS_KEY) || "{}");
    return all[projectId] || [];
  }

  remember(projectId, task) {
    const all = JSON.parse(sessionStorage.getItem(TASKS_KEY) || "{}");
    all[projectId] = [...(all[projectId] || []).filter((t) => t.id !== task.id), task];
    sessionStorage.setItem(TASKS_KEY, JSON.stringify(all));
  }

  navigate(hash) {
    if (location.hash === hash) this.route();
    else location.hash = hash;
  }

  async route() {
    const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
    if (parts[0] !== "p" || !this.project(parts[1])) {
      if (this.projects.length) this.navigate(`#/p/${this.projects[0].project_id}`);
      return;
    }
    const project = this.project(parts[1]);
    for (const link of document.querySelectorAll("#projects a")) {
      link.classList.toggle("active", link.dataset.projectId === String(project.project_id));
    }
    let view;
    if (parts[2] === "task") {
      const path = [];
      for (let i = 4; i + 1 < parts.length; i += 2) if (parts[i] === "sub") path.push(parts[i + 1]);
      view = new TaskView(this, project, parts[3], path);
    } else if (parts[2] === "new") {
      view = new CreateView(this, project, parts[3], parts[4]);
    } else {
      view = new ProjectView(this, project);
    }
    this.view = view;
    this.main.dataset.ready = "false";
    document.body.dataset.view = view.constructor.name;
    try {
      await view.mount(this.main);
      this.main.dataset.ready = "true";
    } catch (error) {
      this.error(error);
    }
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      await this.tick(false);
      this.schedule();
    }, this.pollMs);
  }

  // One refresh of the clock and the live view; a tick already under way is not doubled.
  async tick(force) {
    if (this.busy && !force) return;
    this.busy = true;
    try {
      await this.clock.refresh();
      if (this.view && this.view.refresh) await this.view.refresh();
    } catch (error) {
      this.error(error);
    } finally {
      this.busy = false;
    }
  }

  notice(message) {
    this.show(message, "notice");
  }

  error(error) {
    let message = error && error.message ? error.message : String(error);
    if (error && error.status >= 400 && error.status < 500 && this.config && this.config.auth === "strict") {
      message += " — strict auth: set an app and a user of the fixture in settings (⚙).";
    }
    this.show(message, "error");
  }

  show(message, kind) {
    fill(this.banner, h("span", { id: "banner-text" }, message), h("button", { type: "button", onclick: () => (this.banner.hidden = true) }, "×"));
    this.banner.dataset.kind = kind;
    this.banner.hidden = false;
    clearTimeout(this.bannerTimer);
    // Errors stay until closed; a success note goes by itself.
    if (kind === "notice") this.bannerTimer = setTimeout(() => (this.banner.hidden = true), 3000);
  }

  setupSettings() {
    const dialog = document.getElementById("settings");
    document.getElementById("settings-button").addEventListener("click", () => this.openSettings());
    dialog.querySelector("form").addEventListener("submit", (event) => {
      if (!event.submitter || event.submitter.value !== "save") return;
      const form = dialog.querySelector("form");
      const identity = {};
      for (const key of ["bk_app_code", "bk_app_secret", "bk_username"]) {
        const value = form.elements[key].value.trim();
        if (value) identity[key] = value;
      }
      this.api.setIdentity(Object.keys(identity).length ? identity : DEFAULT_IDENTITY);
      this.api.setControlToken(form.elements.token.value.trim());
      this.pollMs = Math.max(200, Number(form.elements.poll.value) || 1000);
      localStorage.setItem(POLL_KEY, String(this.pollMs));
      location.reload();
    });
  }

  openSettings() {
    const dialog = document.getElementById("settings");
    const form = dialog.querySelector("form");
    const identity = this.api.identity();
    for (const key of ["bk_app_code", "bk_app_secret", "bk_username"]) form.elements[key].value = identity[key] || "";
    form.elements.token.value = this.api.controlToken();
    form.elements.poll.value = this.pollMs;
    dialog.showModal();
  }
}

new Dashboard().start();
