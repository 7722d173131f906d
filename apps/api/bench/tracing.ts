// `npm run bench:tracing -w apps/api` (after `npm run build`): what tracing costs the hot path.
// Two BFFs run side by side, started as `npm start` starts them: one with tracing off (no OTLP
// endpoint: W3C propagation only), one sampling 10 % of requests (parentbased_traceidratio 0.1) and
// exporting them to a local OTLP sink that accepts and discards. Autocannon loads them in
// interleaved rounds (off, on, on, off, …) so drift of the shared machine hits both alike; the
// script prints each round (with the BFF's CPU time per request, read from /proc: steadier than
// req/s on a shared machine) and the median ratios. One signed-in session per BFF: 50 connections
// without pipelining keep at most 50 of its calls in flight, under the per-session cap
// (MAX_REQUESTS_IN_FLIGHT_PER_SESSION, 64), so no 429 is expected; any error is broken down by
// status. A script, not a test: figures go to docs/benchmarks.md ("Tracing").
import { createServer } from 'node:http';
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { signIn, spawnEmulator } from '@app/cognito-emulator';
import { children, cpuMicros, start, startBff, waitFor } from './proc.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** `OTEL_TRACES_SAMPLER_ARG` of the traced BFF: 0.1 by default; 0 measures the unsampled path alone. */
const RATIO = process.env.BENCH_SAMPLER_ARG ?? '0.1';
const onLabel = `on, ${Number(RATIO) * 100} % sampled`;
const ports = { upstream: 4640, sink: 4641, off: 4642, on10: 4643 };

/** The sink: an OTLP/HTTP endpoint that reads each export, counts it and throws it away. */
function runSink(port: number) {
  let exports = 0;
  let bytes = 0;
  createServer((req, res) => {
    if (req.method === 'GET') return void res.end(JSON.stringify({ exports, bytes }));
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  }).listen(port, '127.0.0.1');
}



async function signInCookie(base: string): Promise<string> {
  const login = await fetch(`${base}/auth/login`, { redirect: 'manual' });
  const loginCookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const callback = await signIn(login.headers.get('location')!, 'alice', 'Passw0rd!');
  const done = await fetch(callback, { redirect: 'manual', headers: { cookie: loginCookie } });
  return done.headers.getSetCookie()[0]!.split(';')[0]!;
}

/** Loads `url` for `duration` s; `pid` is the BFF's process, whose CPU time per answered request is read from /proc. */
async function load(url: string, headers: Record<string, string>, pid: number, duration = DURATION) {
  const cpu0 = cpuMicros(pid);
  const r = await autocannon({ url, connections: CONNECTIONS, duration, headers });
  const cpuUs = (cpuMicros(pid) - cpu0) / Math.max(1, r.requests.total);
  // which answers went wrong, so an error round can be explained (status codes, socket errors, timeouts)
  const kinds = Object.entries(r.statusCodeStats ?? {})
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, { count }]) => `${code}×${count ?? 0}`);
  if (r.errors) kinds.push(`socket×${r.errors}${r.timeouts ? ` (timeouts ${r.timeouts})` : ''}`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpuUs, errors: r.non2xx + r.errors, kinds: kinds.join(' ') };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const emulator = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 3600 });
  start(['--import', 'tsx', 'bench/targets.ts', 'upstream', String(ports.upstream)]);
  start(['--import', 'tsx', 'bench/tracing.ts', 'sink', String(ports.sink)]);
  const variants = {
    off: {},
    on10: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.sink}`, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: RATIO },
  } as const;
  const targets: { name: keyof typeof variants; url: string; headers: Record<string, string>; pid: number }[] = [];
  for (const name of ['off', 'on10'] as const) {
    const base = `http://127.0.0.1:${ports[name]}`;
    const bff = startBff('dist/server.js', { port: ports[name], prefix: `bench:${process.pid}:${name}:`, issuer: emulator.issuer, upstreamUrl: `http://127.0.0.1:${ports.upstream}`, env: variants[name] });
    await waitFor(`${base}/healthz`);
    const headers = { cookie: await signInCookie(base), 'x-csrf': '1' };
    if ((await fetch(`${base}/api/hello`, { headers })).status !== 200) throw new Error(`signed-in call through the ${name} BFF failed`);
    targets.push({ name, url: `${base}/api/hello`, headers, pid: bff.pid! });
  }
  await waitFor(`http://127.0.0.1:${ports.upstream}/`);

  console.log(`\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
  console.log(`Load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per target and round, ${ROUNDS} rounds, GET /api/hello with a cookie session\n`);
  for (const t of targets) await load(t.url, t.headers, t.pid, 3); // warm-up (JIT, pools)

  const results: Record<string, ReturnType<typeof load> extends Promise<infer R> ? R[] : never> = { off: [], on10: [] };
  console.log('| round | tracing | req/s | p50 ms | p99 ms | BFF CPU µs/req | errors |');
  console.log('|---:|---|---:|---:|---:|---:|---:|');
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? targets : [...targets].reverse();
    for (const t of order) {
      const r = await load(t.url, t.headers, t.pid);
      results[t.name]!.push(r);
      console.log(`| ${round} | ${t.name === 'off' ? 'off' : onLabel} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${Math.round(r.cpuUs)} | ${r.errors}${r.kinds ? ` (${r.kinds})` : ''} |`);
    }
  }
  const off = results.off!;
  const on = results.on10!;
  // a round where either side answered errors is not comparable (an error answers faster than a proxied call)
  const clean = on.map((_, i) => i).filter((i) => on[i]!.errors === 0 && off[i]!.errors === 0);
  if (clean.length < ROUNDS) console.log(`\nLeft out of the ratios: round(s) ${on.map((_, i) => i + 1).filter((r) => !clean.includes(r - 1)).join(', ')} (errors)`);
  if (clean.length === 0) throw new Error('no round without errors: nothing to compare');
  const rpsRatios = clean.map((i) => on[i]!.rps / off[i]!.rps);
  const p99Ratios = clean.map((i) => on[i]!.p99 / Math.max(off[i]!.p99, 1));
  // CPU per request depends far less on what else the machine runs than req/s does
  const cpuRatios = clean.map((i) => on[i]!.cpuUs / off[i]!.cpuUs);
  await new Promise((r) => setTimeout(r, 6_000)); // the batch processor's 5 s delay: let the last spans leave
  const sink = (await (await fetch(`http://127.0.0.1:${ports.sink}/`)).json()) as { exports: number; bytes: number };
  console.log(`\nOn/off, median of ${clean.length} clean rounds: throughput ${median(rpsRatios).toFixed(3)}× (rounds: ${rpsRatios.map((x) => x.toFixed(3)).join(', ')}), p99 ${median(p99Ratios).toFixed(2)}× (rounds: ${p99Ratios.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(`BFF CPU per request, on/off: ${median(cpuRatios).toFixed(3)}× (rounds: ${cpuRatios.map((x) => x.toFixed(3)).join(', ')}); off ${Math.round(median(off.map((r) => r.cpuUs)))} µs, on ${Math.round(median(on.map((r) => r.cpuUs)))} µs`);
  console.log(`Medians: off ${Math.round(median(off.map((r) => r.rps)))} req/s, p99 ${median(off.map((r) => r.p99))} ms; on ${Math.round(median(on.map((r) => r.rps)))} req/s, p99 ${median(on.map((r) => r.p99))} ms`);
  console.log(`The sink received ${sink.exports} OTLP exports, ${(sink.bytes / 2 ** 20).toFixed(1)} MiB`);
  await emulator.stop();
}

if (process.argv[2] === 'sink') runSink(Number(process.argv[3]));
else {
  main()
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(() => {
      for (const c of children) c.kill('SIGTERM');
    });
}
