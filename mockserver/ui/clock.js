// The clock panel: the mock's time, its mode and speed, and (virtual clock) buttons that move it,
// including "play", which advances the virtual clock from the page at a chosen rate.

import { fill, h } from "./dom.js";

const STEPS = [
  ["+1 s", 1],
  ["+10 s", 10],
  ["+1 min", 60],
];
const RATES = [1, 5, 10, 30, 60];
const PLAY_TICK_MS = 500;

export class ClockPanel {
  constructor(host, api, { onMoved, onError }) {
    this.host = host;
    this.api = api;
    this.onMoved = onMoved;
    this.onError = onError;
    this.clock = null;
    this.timer = null;
    this.rate = 10;
    this.build();
  }

  build() {
    this.now = h("output", { id: "clock-now", title: "the mock's clock" }, "…");
    this.mode = h("span", { id: "clock-mode", class: "pill" }, "…");
    this.speed = h("span", { id: "clock-speed", class: "pill" }, "");
    this.buttons = STEPS.map(([label, seconds]) =>
      h("button", { type: "button", "data-advance": seconds, onclick: () => this.move({ advance: seconds }) }, label),
    );
    this.idle = h(
      "button",
      { type: "button", id: "clock-until-idle", title: "run until no timed work is left", onclick: () => this.move({ until_idle: true }) },
      "until idle",
    );
    this.play = h("button", { type: "button", id: "clock-play", onclick: () => this.toggle() }, "▶ play");
    this.rateSelect = h(
      "select",
      { id: "clock-rate", title: "virtual seconds per second while playing", onchange: (e) => (this.rate = Number(e.target.value)) },
      RATES.map((r) => h("option", { value: r, selected: r === this.rate }, `×${r}`)),
    );
    fill(this.host,
      h("span", { class: "clock-label" }, "clock"),
      this.now,
      this.mode,
      this.speed,
      h("span", { class: "clock-controls" }, this.buttons, this.idle, this.play, this.rateSelect),
    );
  }

  virtual() {
    return Boolean(this.clock && this.clock.mode === "virtual");
  }

  render() {
    const clock = this.clock;
    if (!clock) return;
    this.now.textContent = clock.now.replace("T", " ").replace(/\.\d+/, "");
    this.mode.textContent = clock.mode;
    this.mode.dataset.mode = clock.mode;
    this.host.dataset.mode = clock.mode;
    this.speed.textContent = clock.mode === "wall" ? `×${clock.speed}` : "";
    const hint = this.virtual() ? "" : "the wall clock moves by itself; serve with --clock virtual to move it from here";
    for (const button of [...this.buttons, this.idle, this.play, this.rateSelect]) {
      button.disabled = !this.virtual();
      button.title = hint || button.title;
    }
  }

  async refresh() {
    this.clock = await this.api.control("GET", "/__mock__/clock");
    this.render();
  }

  async move(body) {
    try {
      this.clock = await this.api.control("POST", "/__mock__/clock", body);
      this.render();
      await this.onMoved();
    } catch (error) {
      this.stop();
      this.onError(error);
    }
  }

  toggle() {
    if (this.timer) this.stop();
    else this.start();
  }

  start() {
    this.play.textContent = "❚❚ pause";
    this.play.classList.add("active");
    const tick = async () => {
      await this.move({ advance: (this.rate * PLAY_TICK_MS) / 1000 });
      if (this.timer) this.timer = setTimeout(tick, PLAY_TICK_MS);
    };
    this.timer = setTimeout(tick, 0);
  }

  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.play.textContent = "▶ play";
    this.play.classList.remove("active");
  }
}
