// Profiles a loaded process from the inside, for the hunt described in docs/benchmarks.md
// ("Tools for profiling by hand"): `node bench/inspect.mjs <cpu|heap|garbage> <script> [args…]`
// runs <script> (e.g. dist/server.js; a .ts target needs `node --import tsx`) with the inspector
// open; each SIGUSR2 starts, the next one stops and writes a profile to `$PROFILE_OUT-<n>.<ext>`
// (default /tmp/bff-profile). `cpu`: a .cpuprofile (200 µs sampling; open it in Chrome DevTools);
// `heap`: a .heapprofile of what is still alive when it stops; `garbage`: the same, counting
// what the garbage collector freed meanwhile too (allocation per request = total / requests).
// `--cpu-prof` is not allowed in NODE_OPTIONS, and a profile of the whole run would include the
// start and the warm-up.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [kind, script, ...rest] = process.argv.slice(2);
if (!['cpu', 'heap', 'garbage'].includes(kind ?? '') || !script) {
  console.error('usage: node bench/inspect.mjs <cpu|heap|garbage> <script> [args…]');
  process.exit(2);
}
const out = process.env.PROFILE_OUT ?? '/tmp/bff-profile';
const session = new Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
let running = false;
let written = 0;

process.on('SIGUSR2', () => {
  const step = running ? stop() : start();
  step.catch((err) => console.error('profile failed:', err));
});

async function start() {
  running = true;
  if (kind === 'cpu') {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
  } else {
    const garbage = kind === 'garbage';
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: garbage, includeObjectsCollectedByMinorGC: garbage });
  }
  console.error(`${kind} profile started`);
}

async function stop() {
  running = false;
  const { profile } = kind === 'cpu' ? await post('Profiler.stop') : await post('HeapProfiler.stopSampling');
  const file = `${out}-${written++}.${kind === 'cpu' ? 'cpuprofile' : 'heapprofile'}`;
  writeFileSync(file, JSON.stringify(profile));
  console.error(`${kind} profile written to ${file}`);
}

process.argv = [process.argv[0], script, ...rest];
await import(pathToFileURL(script).href);
