// Small DOM helpers: elements are built, never parsed from strings, so names from a fixture or a
// client cannot inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// Replace everything inside `el` (arrays and nulls allowed, as for `h`).
export function fill(el, ...children) {
  return append(clear(el), children);
}

export function stateBadge(state, attrs = {}) {
  return h("span", { class: "state", "data-state": state || "CREATED", ...attrs }, state || "CREATED");
}

// A table whose rows are rebuilt in place; `columns` are [title, (row) => cell content].
export function table(columns, rows, rowAttrs = () => ({})) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, columns.map(([title]) => h("th", {}, title)))),
    h(
      "tbody",
      {},
      rows.map((row) => h("tr", rowAttrs(row), columns.map(([, cell]) => h("td", {}, cell(row))))),
    ),
  );
}

export function short(text, max) {
  const chars = Array.from(text || "");
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : chars.join("");
}

// Terminal states: nothing moves any more.
export const TERMINAL = new Set(["FINISHED", "REVOKED"]);
