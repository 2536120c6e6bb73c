// A pipeline tree drawn left to right in SVG. The layout is a small layered one of our own:
// back edges found by a depth-first walk, columns by longest path, long edges split by
// placeholder points, rows ordered by a few barycenter sweeps.

import { short } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const SIZE = {
  start: [36, 36],
  end: [36, 36],
  activity: [150, 56],
  subprocess: [150, 56],
  gateway: [44, 44],
  point: [0, 14],
};
const COLUMN_GAP = 84;
const ROW_GAP = 34;
const MARGIN = 40;

export const GATEWAYS = {
  ParallelGateway: { kind: "parallel", glyph: "+" },
  ExclusiveGateway: { kind: "exclusive", glyph: "×" },
  ConditionalParallelGateway: { kind: "conditional", glyph: "◯" },
  ConvergeGateway: { kind: "converge", glyph: "⋈" },
};

export function graphOf(tree) {
  const nodes = new Map();
  const add = (raw, kind) =>
    nodes.set(raw.id, { id: raw.id, kind, type: raw.type, name: raw.name || "", raw });
  if (tree.start_event) add(tree.start_event, "start");
  for (const act of Object.values(tree.activities || {})) {
    add(act, act.type === "SubProcess" ? "subprocess" : "activity");
  }
  for (const gateway of Object.values(tree.gateways || {})) add(gateway, "gateway");
  if (tree.end_event) add(tree.end_event, "end");
  const edges = [];
  for (const flow of Object.values(tree.flows || {})) {
    if (!nodes.has(flow.source) || !nodes.has(flow.target)) continue;
    const source = nodes.get(flow.source).raw;
    const condition = source.conditions && source.conditions[flow.id];
    const isDefault = Boolean(source.default_condition && source.default_condition.flow_id === flow.id);
    let label = condition ? condition.name || condition.evaluate || "" : "";
    if (isDefault) label = source.default_condition.name || "default";
    edges.push({
      id: flow.id,
      source: flow.source,
      target: flow.target,
      label,
      evaluate: condition ? condition.evaluate || "" : "",
      isDefault,
    });
  }
  return { nodes, edges };
}

function outgoingOf(nodes, edges) {
  const out = new Map([...nodes.keys()].map((id) => [id, []]));
  for (const edge of edges) out.get(edge.source).push(edge);
  for (const [id, list] of out) {
    const order = [].concat(nodes.get(id).raw.outgoing || []);
    list.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  }
  return out;
}

export function layout(tree) {
  const { nodes, edges } = graphOf(tree);
  const out = outgoingOf(nodes, edges);
  // 1. Depth-first from the start event (then from anything it does not reach): an edge to a
  // node still on the walk's stack closes a loop and is drawn apart.
  const seen = new Set();
  const onStack = new Set();
  const back = new Set();
  const visit = [];
  const walk = (id) => {
    seen.add(id);
    onStack.add(id);
    visit.push(id);
    for (const edge of out.get(id)) {
      if (onStack.has(edge.target)) back.add(edge.id);
      else if (!seen.has(edge.target)) walk(edge.target);
    }
    onStack.delete(id);
  };
  for (const id of [tree.start_event && tree.start_event.id, ...nodes.keys()]) {
    if (id && !seen.has(id)) walk(id);
  }
  const forward = edges.filter((edge) => !back.has(edge.id));
  // 2. Columns by longest path over the forward edges (Kahn's order).
  const indegree = new Map([...nodes.keys()].map((id) => [id, 0]));
  for (const edge of forward) indegree.set(edge.target, indegree.get(edge.target) + 1);
  const column = new Map([...nodes.keys()].map((id) => [id, 0]));
  const queue = visit.filter((id) => indegree.get(id) === 0);
  for (let i = 0; i < queue.length; i += 1) {
    const id = queue[i];
    for (const edge of out.get(id)) {
      if (back.has(edge.id)) continue;
      column.set(edge.target, Math.max(column.get(edge.target), column.get(id) + 1));
      indegree.set(edge.target, indegree.get(edge.target) - 1);
      if (indegree.get(edge.target) === 0) queue.push(edge.target);
    }
  }
  const last = Math.max(0, ...column.values());
  if (tree.end_event && nodes.has(tree.end_event.id)) column.set(tree.end_event.id, last);
  // 3. Items per column: the nodes, plus one placeholder point per column a long edge crosses.
  const items = new Map();
  const columns = Array.from({ length: last + 1 }, () => []);
  for (const id of visit) {
    const node = nodes.get(id);
    items.set(id, { id, node, kind: node.kind, column: column.get(id), up: [], down: [] });
    columns[column.get(id)].push(id);
  }
  for (const edge of forward) {
    const chain = [edge.source];
    for (let c = column.get(edge.source) + 1; c < column.get(edge.target); c += 1) {
      const id = `${edge.id}#${c}`;
      items.set(id, { id, kind: "point", column: c, up: [], down: [] });
      columns[c].push(id);
      chain.push(id);
    }
    chain.push(edge.target);
    for (let i = 1; i < chain.length; i += 1) {
      items.get(chain[i - 1]).down.push(chain[i]);
      items.get(chain[i]).up.push(chain[i - 1]);
    }
    edge.chain = chain;
  }
  // 4. Barycenter sweeps, down then up; ties keep the walk's order.
  const rank = new Map();
  const renumber = (ids) => ids.forEach((id, i) => rank.set(id, i));
  columns.forEach(renumber);
  const sweep = (ids, side) => {
    const score = new Map(
      ids.map((id) => {
        const near = items.get(id)[side];
        const mean = near.length ? near.reduce((s, n) => s + rank.get(n), 0) / near.length : rank.get(id);
        return [id, mean];
      }),
    );
    ids.sort((a, b) => score.get(a) - score.get(b) || rank.get(a) - rank.get(b));
    renumber(ids);
  };
  for (let round = 0; round < 4; round += 1) {
    for (let c = 1; c < columns.length; c += 1) sweep(columns[c], "up");
    for (let c = columns.length - 2; c >= 0; c -= 1) sweep(columns[c], "down");
  }
  // 5. Coordinates: columns left to right, each column centred on one middle line.
  let x = MARGIN;
  let top = 0;
  let bottom = 0;
  for (const ids of columns) {
    const width = Math.max(0, ...ids.map((id) => SIZE[items.get(id).kind][0]));
    const heights = ids.map((id) => SIZE[items.get(id).kind][1]);
    const total = heights.reduce((s, v) => s + v, 0) + ROW_GAP * Math.max(0, ids.length - 1);
    let y = -total / 2;
    ids.forEach((id, i) => {
      const item = items.get(id);
      item.x = x + width / 2;
      item.y = y + heights[i] / 2;
      y += heights[i] + ROW_GAP;
    });
    top = Math.min(top, -total / 2);
    bottom = Math.max(bottom, total / 2);
    x += width + COLUMN_GAP;
  }
  const shift = MARGIN + 24 - top; // room above for gateway names
  for (const item of items.values()) item.y += shift;
  const height = bottom - top + 2 * MARGIN + 48 + (back.size ? 40 : 0);
  return { nodes, edges, items, back, width: x - COLUMN_GAP + MARGIN, height, floor: bottom + shift + 30 };
}

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
