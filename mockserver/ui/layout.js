// The layout of a pipeline tree, left to right: a small layered one of our own. Back edges are
// found by a depth-first walk, columns by longest path, long edges are split by placeholder
// points, and rows are ordered by a few barycenter sweeps.

export const SIZE = {
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
