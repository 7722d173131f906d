// Reads profiles written by bench/inspect.mjs and prints where the time or the bytes went, per
// request, for one process or as the difference between two (e.g. the floor and the BFF loaded at
// the same fixed rate; docs/benchmarks.md, "Tools for profiling by hand"):
//
//   node bench/profile-report.mjs cpu  <a.cpuprofile> <a CPU µs per request> [<b.cpuprofile> <b µs>]
//   node bench/profile-report.mjs heap <a.heapprofile> <a requests> [<b.heapprofile> <b requests>]
//
// cpu: a profile's busy samples (idle left out) scaled to the CPU time per request measured next
// to it (bench/cpu.ts, or /proc over the same seconds); heap: sampled bytes divided by the requests
// served while sampling. Rows are functions (name, file, line); the "package" table sums them by
// npm package, Node module or our own file.
import { readFileSync } from 'node:fs';

const [kind, fileA, perA, fileB, perB] = process.argv.slice(2);
if (!['cpu', 'heap'].includes(kind ?? '') || !fileA || !perA) {
  console.error('usage: node bench/profile-report.mjs <cpu|heap> <a> <a per-request figure> [<b> <b figure>]');
  process.exit(2);
}

const where = (frame) => frame.url.replace(/^.*node_modules\//, 'npm:').replace(/^file:\/\/.*\/apps\/api\//, '');
const fnKey = (frame) => `${frame.functionName || '(anonymous)'} ${where(frame)}:${frame.lineNumber}`;
function packageKey(frame) {
  const url = where(frame);
  if (url.startsWith('npm:')) return url.split('/').slice(0, url.startsWith('npm:@') ? 2 : 1).join('/');
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0];
  return url || frame.functionName; // our files, or V8's own entries such as (garbage collector)
}

/** Per-request amount by function and by package: µs (cpu) or KB (heap). */
function read(file, per) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byFn = new Map();
  const byPackage = new Map();
  const add = (frame, amount) => {
    byFn.set(fnKey(frame), (byFn.get(fnKey(frame)) ?? 0) + amount);
    byPackage.set(packageKey(frame), (byPackage.get(packageKey(frame)) ?? 0) + amount);
  };
  if (kind === 'cpu') {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const time = new Map();
    profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    let busy = 0;
    for (const [id, t] of time) if (nodes.get(id).callFrame.functionName !== '(idle)') busy += t;
    for (const [id, t] of time) {
      const frame = nodes.get(id).callFrame;
      if (frame.functionName !== '(idle)') add(frame, (t / busy) * Number(per));
    }
  } else {
    const nodes = new Map();
    (function walk(node) {
      nodes.set(node.id, node);
      for (const child of node.children) walk(child);
    })(profile.head);
    for (const sample of profile.samples) add(nodes.get(sample.nodeId).callFrame, sample.size / 1024 / Number(per));
  }
  return { byFn, byPackage };
}

const unit = kind === 'cpu' ? 'µs' : 'KB';
const a = read(fileA, perA);
const b = fileB && perB ? read(fileB, perB) : undefined;
function table(title, ma, mb, rows) {
  const keys = [...new Set([...ma.keys(), ...(mb?.keys() ?? [])])];
  const value = (m, k) => m?.get(k) ?? 0;
  const order = mb ? (k) => value(mb, k) - value(ma, k) : (k) => value(ma, k);
  const total = (m) => [...m.values()].reduce((s, v) => s + v, 0);
  console.log(`\n${title} (${unit} per request${mb ? `; a total ${total(ma).toFixed(1)}, b total ${total(mb).toFixed(1)}, sorted by b − a` : `; total ${total(ma).toFixed(1)}`})`);
  for (const k of keys.sort((x, y) => order(y) - order(x)).slice(0, rows)) {
    const cells = mb ? [value(ma, k), value(mb, k), value(mb, k) - value(ma, k)] : [value(ma, k)];
    console.log(`${cells.map((v) => v.toFixed(2).padStart(8)).join(' ')}  ${k}`);
  }
}
table('By package or file', a.byPackage, b?.byPackage, 30);
table('By function', a.byFn, b?.byFn, 40);
