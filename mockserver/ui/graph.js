// A pipeline tree drawn in SVG from its layout (layout.js): node shapes by kind, coloured by
// state through style.css, flows as curves labelled with their conditions.

import { short } from "./dom.js";
import { layout, SIZE } from "./layout.js";

const SVG = "http://www.w3.org/2000/svg";

export const GATEWAYS = {
  ParallelGateway: { kind: "parallel", glyph: "+" },
  ExclusiveGateway: { kind: "exclusive", glyph: "×" },
  ConditionalParallelGateway: { kind: "conditional", glyph: "◯" },
  ConvergeGateway: { kind: "converge", glyph: "⋈" },
};

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children) {
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

function port(item, side) {
  return { x: item.x + (side * SIZE[item.kind][0]) / 2, y: item.y };
}

function curve(points) {
  let d = `M${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length; i += 1) {
    const a = points[i - 1];
    const b = points[i];
    const dx = (b.x - a.x) / 2;
    d += ` C${a.x + dx},${a.y} ${b.x - dx},${b.y} ${b.x},${b.y}`;
  }
  return d;
}

function edgePath(edge, view) {
  const source = view.items.get(edge.source);
  const target = view.items.get(edge.target);
  const from = port(source, 1);
  const to = port(target, -1);
  if (view.back.has(edge.id)) {
    const y = view.floor;
    return `M${from.x},${from.y} C${from.x + 40},${from.y} ${from.x + 40},${y} ${from.x},${y} L${to.x},${y} C${to.x - 40},${y} ${to.x - 40},${to.y} ${to.x},${to.y}`;
  }
  const middle = edge.chain.slice(1, -1).map((id) => view.items.get(id));
  return curve([from, ...middle, to]);
}

function edgeElement(edge, view) {
  const group = svg("g", {
    class: "edge",
    "data-flow-id": edge.id,
    "data-source": edge.source,
    "data-target": edge.target,
    "data-default": edge.isDefault,
  });
  group.append(svg("path", { d: edgePath(edge, view), "marker-end": "url(#arrow)" }));
  if (edge.label) {
    const source = view.items.get(edge.source);
    const next = view.back.has(edge.id) ? view.items.get(edge.target) : view.items.get(edge.chain[1]);
    const from = port(source, 1);
    const to = next.kind === "point" ? next : port(next, -1);
    const lx = (from.x + to.x) / 2;
    const ly = (from.y + to.y) / 2 - 5;
    const title = edge.evaluate ? `${edge.label}: ${edge.evaluate}` : edge.label;
    group.append(
      svg("text", { class: "flow-label", x: lx, y: ly, "text-anchor": "middle" }, svg("title", {}, title), short(edge.label, 12)),
    );
  }
  return group;
}

function nodeShape(node) {
  const [w, hgt] = SIZE[node.kind];
  if (node.kind === "start" || node.kind === "end") {
    return [svg("circle", { class: "shape", r: w / 2 })];
  }
  if (node.kind === "gateway") {
    const r = w / 2;
    const info = GATEWAYS[node.type] || { kind: "gateway", glyph: "?" };
    return [
      svg("polygon", { class: "shape", points: `0,${-r} ${r},0 0,${r} ${-r},0` }),
      svg("text", { class: "glyph", y: 6, "text-anchor": "middle" }, info.glyph),
      svg("text", { class: "caption", y: r + 14, "text-anchor": "middle" }, info.kind),
    ];
  }
  const shapes = [svg("rect", { class: "shape", x: -w / 2, y: -hgt / 2, width: w, height: hgt, rx: 8 })];
  if (node.kind === "subprocess") {
    shapes.push(svg("rect", { class: "inner", x: -w / 2 + 4, y: -hgt / 2 + 4, width: w - 8, height: hgt - 8, rx: 6 }));
  }
  return shapes;
}

function nodeElement(node, item) {
  const group = svg("g", {
    class: "node",
    tabindex: 0,
    "data-node-id": node.id,
    "data-kind": node.kind,
    "data-type": node.type,
    "data-state": "CREATED",
    "data-reached": "false",
    transform: `translate(${item.x},${item.y})`,
  });
  const component = node.raw.component && node.raw.component.code;
  group.append(svg("title", {}, [node.name || node.kind, node.type, component].filter(Boolean).join("\n")));
  group.append(...nodeShape(node));
  const [, hgt] = SIZE[node.kind];
  if (node.kind === "activity" || node.kind === "subprocess") {
    group.append(svg("text", { class: "label", y: component ? -3 : 5, "text-anchor": "middle" }, short(node.name, 11)));
    const sub = node.kind === "subprocess" ? "subprocess" : component;
    if (sub) group.append(svg("text", { class: "sub", y: 15, "text-anchor": "middle" }, short(sub, 22)));
    if (node.kind === "subprocess") {
      const open = svg("g", { class: "open-sub", "data-open": node.id, transform: `translate(${SIZE.activity[0] / 2 - 14},${-hgt / 2 + 12})` });
      open.append(svg("title", {}, "open the subprocess"), svg("rect", { x: -8, y: -8, width: 16, height: 16, rx: 3 }), svg("text", { y: 4, "text-anchor": "middle" }, "+"));
      group.append(open);
    }
  } else {
    const text = node.kind === "gateway" ? node.name : node.name || node.kind;
    if (text) group.append(svg("text", { class: "name", y: -SIZE[node.kind][1] / 2 - 8, "text-anchor": "middle" }, short(text, 12)));
  }
  group.append(svg("text", { class: "badge", x: SIZE[node.kind][0] / 2 - 2, y: hgt / 2 + 14, "text-anchor": "end" }));
  return group;
}

function badgeText(status) {
  if (!status) return "";
  const marks = [];
  if (status.retry > 0) marks.push(`↻${status.retry}`);
  if (status.skip === true) marks.push("skipped");
  if (status.error_ignored) marks.push("ignored");
  if (status.loop > 1) marks.push(`loop ${status.loop}`);
  return marks.join(" ");
}

// Draw `tree` into `host`; returns handles to recolour nodes from a status tree's children.
export function drawGraph(host, tree, { onSelect = () => {}, onOpen = () => {} } = {}) {
  const view = layout(tree);
  const root = svg("svg", {
    class: "graph",
    width: view.width,
    height: view.height,
    viewBox: `0 0 ${view.width} ${view.height}`,
    role: "img",
  });
  const defs = svg("defs");
  defs.append(
    svg(
      "marker",
      { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }),
    ),
  );
  root.append(defs);
  const edgeLayer = svg("g", { class: "edges" });
  for (const edge of view.edges) edgeLayer.append(edgeElement(edge, view));
  const nodeLayer = svg("g", { class: "nodes" });
  const groups = new Map();
  for (const [id, node] of view.nodes) {
    const group = nodeElement(node, view.items.get(id));
    group.addEventListener("click", (event) => {
      const open = event.target.closest(".open-sub");
      if (open) onOpen(open.dataset.open);
      else onSelect(id);
    });
    group.addEventListener("dblclick", () => node.kind === "subprocess" && onOpen(id));
    group.addEventListener("keydown", (event) => event.key === "Enter" && onSelect(id));
    groups.set(id, group);
    nodeLayer.append(group);
  }
  root.append(edgeLayer, nodeLayer);
  host.append(root);
  return {
    view,
    setStates(children) {
      for (const [id, group] of groups) {
        const status = children && children[id];
        group.setAttribute("data-state", status ? status.state : "CREATED");
        group.setAttribute("data-reached", status ? "true" : "false");
        group.querySelector(".badge").textContent = badgeText(status);
      }
      for (const edge of edgeLayer.children) {
        const flow = view.edges.find((e) => e.id === edge.dataset.flowId);
        const taken = Boolean(children && children[flow.source] && children[flow.target]);
        edge.setAttribute("data-taken", taken ? "true" : "false");
      }
    },
    select(id) {
      for (const [nodeId, group] of groups) group.classList.toggle("selected", nodeId === id);
    },
  };
}
