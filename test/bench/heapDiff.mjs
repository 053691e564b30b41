// `node test/bench/heapDiff.mjs first.heapsnapshot last.heapsnapshot [name [count]]`: what grew between
// two V8 heap snapshots (IMGPROMO_BENCH_HEAP_SNAPSHOTS=<dir> npm run bench -- --cases=scale writes
// promotions-<n>.heapsnapshot wherever the heap is measured settled; IMGPROMO_BENCH_SETTLED_AT=100,150 adds points),
// by node type and constructor: count and self size, largest growth first. With a name, also the
// retainer paths of a few objects of that constructor that are only in the second snapshot.
import { readFileSync } from 'node:fs';

function load(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const { node_fields, node_types, edge_fields, edge_types } = snap.snapshot.meta;
  const nf = node_fields.length;
  const ef = edge_fields.length;
  const [typeAt, nameAt, idAt, sizeAt, edgesAt] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => node_fields.indexOf(f));
  const [eTypeAt, eNameAt, eToAt] = ['type', 'name_or_index', 'to_node'].map((f) => edge_fields.indexOf(f));
  const { nodes, edges, strings } = snap;
  const count = nodes.length / nf;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * nf + edgesAt] * ef;
  }
  firstEdge[count] = edges.length;
  const nodeTypes = node_types[typeAt];
  const edgeTypes = edge_types[eTypeAt];
  const node = (i) => ({
    type: nodeTypes[nodes[i * nf + typeAt]],
    name: strings[nodes[i * nf + nameAt]],
    id: nodes[i * nf + idAt],
    size: nodes[i * nf + sizeAt],
  });
  const retainers = () => {
    const r = Array.from({ length: count }, () => []);
    for (let i = 0; i < count; i++)
      for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += ef) {
        const type = edgeTypes[edges[e + eTypeAt]];
        if (type === 'weak') continue;
        const name = type === 'element' || type === 'hidden' ? `[${edges[e + eNameAt]}]` : strings[edges[e + eNameAt]];
        r[edges[e + eToAt] / nf].push({ from: i, edge: `${type}:${name}` });
      }
    return r;
  };
  return { count, node, retainers };
}

const key = (n) => `${n.type} ${n.type === 'string' || n.type === 'concatenated string' || n.type === 'sliced string' ? '' : n.name.slice(0, 80)}`;

function summary(h) {
  const by = new Map();
  const ids = new Set();
  for (let i = 0; i < h.count; i++) {
    const n = h.node(i);
    ids.add(n.id);
    const k = key(n);
    const s = by.get(k) ?? { count: 0, size: 0 };
    s.count++;
    s.size += n.size;
    by.set(k, s);
  }
  return { by, ids };
}

const [firstFile, lastFile, wanted, many = '5'] = process.argv.slice(2);
const first = load(firstFile);
const last = load(lastFile);
const a = summary(first);
const b = summary(last);
const rows = [];
for (const [k, s] of b.by) {
  const o = a.by.get(k) ?? { count: 0, size: 0 };
  rows.push({ k, dCount: s.count - o.count, dSize: s.size - o.size, count: s.count, size: s.size });
}
for (const [k, o] of a.by) if (!b.by.has(k)) rows.push({ k, dCount: -o.count, dSize: -o.size, count: 0, size: 0 });
rows.sort((x, y) => y.dSize - x.dSize);
const total = (s) => [...s.by.values()].reduce((t, x) => t + x.size, 0);
console.log(`total self size ${(total(a) / 1024).toFixed(0)} KiB -> ${(total(b) / 1024).toFixed(0)} KiB`);
console.log('Δsize KiB  Δcount   count  node type / constructor');
for (const r of rows.slice(0, 40))
  console.log(`${(r.dSize / 1024).toFixed(1).padStart(9)} ${String(r.dCount).padStart(7)} ${String(r.count).padStart(7)}  ${r.k}`);

// New objects (only in the second snapshot) grouped by the old object that holds them: follow the
// first retainer up through new objects until an old one; its constructor and the edge name it.
{
  const r = last.retainers();
  const isNew = new Uint8Array(last.count);
  for (let i = 0; i < last.count; i++) isNew[i] = a.ids.has(last.node(i).id) ? 0 : 1;
  const holders = new Map();
  for (let i = 0; i < last.count; i++) {
    if (!isNew[i]) continue;
    const n = last.node(i);
    if (n.type === 'code' || n.name.startsWith('system /')) continue;
    let at = i;
    let edge = '';
    const seen = new Set();
    while (isNew[at] && !seen.has(at)) {
      seen.add(at);
      const next = r[at].find((x) => !last.node(x.from).name.startsWith('system /')) ?? r[at][0];
      if (!next) break;
      edge = next.edge;
      at = next.from;
    }
    const h = last.node(at);
    let k = `${h.type} ${h.name.slice(0, 60)} --${edge.slice(0, 40)}-->`;
    // A collection says little: name who holds it (two levels up).
    for (let up = at, level = 0; level < 2 && ['Map', 'Set', 'Array', 'Object'].includes(last.node(up).name); level++) {
      const by = r[up].find((x) => !last.node(x.from).name.startsWith('system /'));
      if (!by) break;
      k = `${last.node(by.from).type} ${last.node(by.from).name.slice(0, 40)} --${by.edge.slice(0, 30)}--> ${k}`;
      up = by.from;
    }
    const s = holders.get(k) ?? { count: 0, size: 0 };
    s.count++;
    s.size += n.size;
    holders.set(k, s);
  }
  const all = [...holders.values()].reduce((t, s) => t + s.size, 0);
  console.log(`\nnew objects (not code), ${(all / 1024).toFixed(1)} KiB, by the old object holding them: KiB count holder`);
  for (const [k, s] of [...holders].sort((x, y) => y[1].size - x[1].size).slice(0, 30))
    console.log(`${(s.size / 1024).toFixed(1).padStart(9)} ${String(s.count).padStart(7)}  ${k}`);
}

if (wanted) {
  const r = last.retainers();
  let shown = 0;
  for (let i = 0; i < last.count && shown < Number(many); i++) {
    const n = last.node(i);
    if (a.ids.has(n.id) || (n.name !== wanted && key(n).trim() !== wanted)) continue;
    shown++;
    console.log(`\n#${n.id} ${n.type} ${n.name.slice(0, 60)} (${n.size} B)`);
    // The shortest retainer path to a GC root, breadth first.
    const seen = new Map([[i, undefined]]);
    const queue = [i];
    let root;
    while (queue.length && root === undefined) {
      const at = queue.shift();
      for (const { from, edge } of r[at]) {
        if (seen.has(from)) continue;
        seen.set(from, { to: at, edge });
        const f = last.node(from);
        if (f.type === 'synthetic' || f.name.startsWith('(GC roots')) {
          root = from;
          break;
        }
        queue.push(from);
      }
    }
    const path = [];
    for (let at = root; at !== undefined && at !== i;) {
      const step = seen.get(at);
      const f = last.node(at);
      path.push(`${f.type} ${f.name.slice(0, 50)} --${step.edge}-->`);
      at = step.to;
    }
    console.log(path.map((p) => `  ${p}`).join('\n'));
  }
}
