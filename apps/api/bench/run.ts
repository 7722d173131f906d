// `npm run bench`: the BFF next to the upstream alone, a bare node:http proxy (http.Agent), a bare
// undici proxy and the "floor" program (undici + one Redis read of the real session key), with many
// signed-in sessions taken round robin, in interleaved rounds; then a refresh storm (many sessions
// reaching their refresh point together under load). A script, not a test: docs/benchmarks.md.
//
//   npm run bench -- [--sessions 2000] [--rounds 3] [--duration 10] [--connections 50]
//                    [--rate 2000] [--routes 20] [--bff name=path/to/server.js]... [--bff-env name:KEY=VALUE]...
//                    [--storm-sessions 500] [--storm-seconds 34] [--no-storm] [--only-storm]
//
// `--routes N`: every BFF gets a route table of N routes (the issue's 20 by default; 1 = `API_UPSTREAM_URL`
// alone), unless API_ROUTES or API_ROUTES_FILE is set. `--rate`: after the rounds at full speed, the same interleaved rounds at this fixed request rate
// (every target can serve it), for CPU per request at equal work; `--rate 0` skips them.
//
// `--bff` adds a BFF build to compare (e.g. one built from an older commit by
// bench/build-baseline.sh); `--bff-env` sets an environment variable of one BFF only (e.g.
// `--bff r20=dist/server.js --bff-env r20:API_ROUTES_FILE=/tmp/routes-20.json`). The default BFF
// is `bff` = dist/server.js. API_ROUTES / API_ROUTES_FILE / LOG_LEVEL of the environment reach
// every BFF.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { spawnEmulator } from '@app/cognito-emulator';
import { benchSessions } from './sessions.js';
import { children, cpuMicros, REDIS_URL, rssMb, SECRET, start, startBff, waitFor } from './proc.js';

const API_DIR = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    sessions: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: process.env.BENCH_DURATION ?? '10' },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '50' },
    rate: { type: 'string', default: '2000' },
    routes: { type: 'string', default: '20' },
    bff: { type: 'string', multiple: true, default: [] },
    'bff-env': { type: 'string', multiple: true, default: [] },
    'storm-sessions': { type: 'string', default: '500' },
    // the window's opening, the spread of background refreshes (29 s of a 60 s window, ADR 0002) and a few seconds more
    'storm-seconds': { type: 'string', default: '34' },
    'no-storm': { type: 'boolean', default: false },
    'only-storm': { type: 'boolean', default: false },
  },
});
const SESSIONS = Number(args.sessions);
const ROUNDS = Number(args.rounds);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const RATE = Number(args.rate);
const ROUTES = Number(args.routes);
const STORM_SESSIONS = Number(args['storm-sessions']);
const STORM_SECONDS = Number(args['storm-seconds']);
const PREFIX = `bench:${process.pid}:`;
const SKEW_SECONDS = 60;
const work = mkdtempSync(join(tmpdir(), 'bff-bench-'));


/** `/api` plus `n - 1` routes such as `/api/svc7/v7` (two segments: the lookup walks as deep as it can). */
function routeTable(n: number, upstreamUrl: string) {
  return [{ prefix: '/api', upstream: upstreamUrl }, ...Array.from({ length: n - 1 }, (_, i) => ({ prefix: `/api/svc${i}/v${i}`, upstream: `${upstreamUrl}/svc${i}` }))];
}

interface Target {
  name: string;
  url: string;
  pid: number;
  /** Sends the session cookies (round robin) and `X-CSRF: 1`. */
  cookies: boolean;
}



interface LoadResult {
  rps: number;
  total: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  distinctCookies: number;
  /** With `sliceSeconds`: the p99 of each slice of the run, and the worst of them. */
  slices?: { fromS: number; n: number; p99: number }[];
  worstSliceP99?: number;
}

/** Runs the load generator process against `url` (as fast as it answers, or at `rate` req/s); returns its figures. */
function runLoad(url: string, duration: number, cookiesFile?: string, rate?: number, sliceSeconds?: number): Promise<LoadResult> {
  const options = { url, connections: CONNECTIONS, duration, ...(rate ? { rate } : {}), ...(sliceSeconds ? { sliceSeconds } : {}), ...(cookiesFile ? { cookiesFile, headers: { 'x-csrf': '1' } } : {}) };
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(options)], { cwd: API_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadResult) : reject(new Error(`load generator exited ${code}`)))),
  );
}

interface Sample extends LoadResult {
  cpuUsPerReq: number;
  redisUsPerReq: number;
  peakRss: number;
}

async function measure(target: Target, cookiesFile: string, redisPid: number | undefined, rate?: number): Promise<Sample> {
  const cpu0 = cpuMicros(target.pid);
  const redis0 = redisPid ? cpuMicros(redisPid) : NaN;
  let peakRss = rssMb(target.pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(target.pid))), 250);
  const result = await runLoad(target.url, DURATION, target.cookies ? cookiesFile : undefined, rate);
  clearInterval(sampler);
  const served = Math.max(1, result.total);
  return {
    ...result,
    cpuUsPerReq: (cpuMicros(target.pid) - cpu0) / served,
    redisUsPerReq: redisPid ? (cpuMicros(redisPid) - redis0) / served : NaN,
    peakRss,
  };
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const span = (xs: number[], digits = 0) => {
  const s = xs.filter((x) => !Number.isNaN(x));
  if (!s.length) return '–';
  const f = (x: number) => x.toFixed(digits);
  return s.length > 1 ? `${f(median(s))} (${f(Math.min(...s))}–${f(Math.max(...s))})` : f(s[0]!);
};

async function redisServerPid(): Promise<number | undefined> {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  try {
    const pid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
    return Number.isNaN(cpuMicros(pid)) ? undefined : pid;
  } finally {
    await client.close();
  }
}

function bffVariants(): { name: string; script: string; env: Record<string, string> }[] {
  const variants = [{ name: 'bff', script: 'dist/server.js', env: {} as Record<string, string> }];
  for (const spec of args.bff) {
    const [name, script] = spec.split('=', 2);
    if (!name || !script) throw new Error(`--bff wants name=path/to/server.js, got ${spec}`);
    const existing = variants.find((v) => v.name === name);
    if (existing) existing.script = script;
    else variants.push({ name, script, env: {} });
  }
  for (const spec of args['bff-env']) {
    const m = /^([^:]+):([^=]+)=(.*)$/s.exec(spec);
    const variant = m && variants.find((v) => v.name === m[1]);
    if (!m || !variant) throw new Error(`--bff-env wants name:KEY=VALUE for a known BFF, got ${spec}`);
    variant.env[m[2]!] = m[3]!;
  }
  return variants;
}

async function main() {
  const emulator = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 3600 });
  const ports = { upstream: 4620, bare: 4621, bareUndici: 4622, floor: 4623, bff: 4630 };
  const upstreamUrl = `http://127.0.0.1:${ports.upstream}`;
  const upstream = start(['--import', 'tsx', 'bench/targets.ts', 'upstream', String(ports.upstream)]);
  const bare = start(['--import', 'tsx', 'bench/targets.ts', 'bare', String(ports.bare), upstreamUrl]);
  const bareUndici = start(['--import', 'tsx', 'bench/targets.ts', 'bare-undici', String(ports.bareUndici), upstreamUrl]);
  const passThrough = Object.fromEntries(['API_ROUTES', 'API_ROUTES_FILE'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
  // the issue's setting: a route table of `--routes` routes, the loaded path on the catch-all `/api` one
  if (!passThrough.API_ROUTES && !passThrough.API_ROUTES_FILE && ROUTES > 1) passThrough.API_ROUTES = JSON.stringify(routeTable(ROUTES, upstreamUrl));
  const bffs = bffVariants().map((variant, i) => {
    const port = ports.bff + i;
    const url = `http://127.0.0.1:${port}`;
    const child = startBff(variant.script, {
      port,
      prefix: PREFIX,
      issuer: emulator.issuer,
      upstreamUrl,
      env: { REFRESH_SKEW_SECONDS: String(SKEW_SECONDS), ...passThrough, ...variant.env },
    });
    return { ...variant, url, child };
  });
  await Promise.all([upstreamUrl, `http://127.0.0.1:${ports.bare}/`, `http://127.0.0.1:${ports.bareUndici}/`, ...bffs.map((b) => `${b.url}/healthz`)].map(waitFor));

  const sessions = await benchSessions(bffs[0]!.url, { redisUrl: REDIS_URL, prefix: PREFIX, secret: SECRET, cookieName: 'bff.sid' });
  // the floor attaches a token as long as the real access token the BFF attaches
  const floorArgs = [String(ports.floor), upstreamUrl, REDIS_URL, PREFIX, String(sessions.record.accessToken.length)];
  const floor = start(['--import', 'tsx', 'bench/targets.ts', 'floor', ...floorArgs]);
  await waitFor(`http://127.0.0.1:${ports.floor}/`);
  try {
    console.log(`\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
    if (!args['only-storm']) await throughput(sessions, { upstream, bare, bareUndici, floor, bffs, ports });
    if (!args['no-storm']) for (const b of bffs) await storm(sessions, b, emulator);
  } finally {
    await sessions.cleanUp();
    await sessions.close();
    await emulator.stop();
  }
}

async function throughput(
  sessions: Awaited<ReturnType<typeof benchSessions>>,
  p: { upstream: ChildProcess; bare: ChildProcess; bareUndici: ChildProcess; floor: ChildProcess; bffs: { name: string; url: string; child: ChildProcess }[]; ports: Record<string, number> },
) {
  const cookies = await sessions.create(SESSIONS);
  const cookiesFile = join(work, 'cookies.txt');
  writeFileSync(cookiesFile, cookies.join('\n'));
  for (const b of p.bffs) {
    const res = await fetch(`${b.url}/api/hello`, { headers: { cookie: cookies[0]!, 'x-csrf': '1' } });
    if (res.status !== 200) throw new Error(`${b.name}: a signed-in call answered ${res.status}`);
  }
  const targets: Target[] = [
    { name: 'upstream directly', url: `http://127.0.0.1:${p.ports.upstream}/hello`, pid: p.upstream.pid!, cookies: false },
    { name: 'bare proxy (node:http + http.Agent)', url: `http://127.0.0.1:${p.ports.bare}/api/hello`, pid: p.bare.pid!, cookies: false },
    { name: 'bare proxy (node:http + undici)', url: `http://127.0.0.1:${p.ports.bareUndici}/api/hello`, pid: p.bareUndici.pid!, cookies: false },
    { name: 'floor (undici + 1 HMGET)', url: `http://127.0.0.1:${p.ports.floor}/api/hello`, pid: p.floor.pid!, cookies: true },
    ...p.bffs.map((b) => ({ name: `BFF ${b.name}`, url: `${b.url}/api/hello`, pid: b.child.pid!, cookies: true })),
  ];
  const redisPid = await redisServerPid();
  console.log(`Load: autocannon in its own process, ${CONNECTIONS} connections, ${DURATION} s per target, GET, ${SESSIONS} sessions round robin, ${ROUNDS} interleaved rounds; BFF route table: ${process.env.API_ROUTES || process.env.API_ROUTES_FILE ? 'from the environment' : `${Math.max(ROUTES, 1)} route(s)`}\n`);
  // warm-up: JIT, pools, the BFF's caches
  for (const t of targets) await runLoad(t.url, 3, t.cookies ? cookiesFile : undefined);
  const samples = new Map<string, Sample[]>(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    // the BFF variants swap places every other round, so none always runs first or last
    const order = round % 2 ? targets : [...targets.slice(0, 4), ...targets.slice(4).reverse()];
    for (const t of order) {
      const s = await measure(t, cookiesFile, t.cookies ? redisPid : undefined);
      samples.get(t.name)!.push(s);
      console.error(`round ${round} ${t.name}: ${Math.round(s.rps)} req/s p50 ${s.p50} p99 ${s.p99} cpu ${s.cpuUsPerReq.toFixed(0)} µs/req non2xx ${s.non2xx + s.errors} cookies ${s.distinctCookies}`);
    }
  }
  printTable(targets, samples);

  if (RATE > 0) {
    // CPU per request at equal work: every target at the same rate (the upstream alone is left out)
    const proxies = targets.slice(1);
    const atRate = new Map<string, Sample[]>(proxies.map((t) => [t.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 ? proxies : [...proxies.slice(0, 3), ...proxies.slice(3).reverse()];
      for (const t of order) {
        const s = await measure(t, cookiesFile, t.cookies ? redisPid : undefined, RATE);
        atRate.get(t.name)!.push(s);
        console.error(`round ${round} at ${RATE} req/s ${t.name}: ${Math.round(s.rps)} req/s p99 ${s.p99} cpu ${s.cpuUsPerReq.toFixed(0)} µs/req non2xx ${s.non2xx + s.errors}`);
      }
    }
    console.log(`\nAt a fixed ${RATE} req/s (same rounds, interleaved): CPU per request at equal work.\n`);
    printTable(proxies, atRate);
  }
}

/** The median of the rounds (range) per target, and ratios to the bare proxy (the first target named "bare proxy") taken within each round. */
function printTable(targets: Target[], samples: Map<string, Sample[]>) {
  const bareSamples = samples.get(targets.find((t) => t.name.startsWith('bare proxy'))!.name)!;
  const ratio = (xs: Sample[], f: (s: Sample) => number) => xs.map((s, i) => f(s) / Math.max(f(bareSamples[i]!), 1e-9));
  console.log('Median of the rounds (range); ratios are taken within each round, then the median.\n');
  console.log('| target | req/s | p50 ms | p99 ms | CPU µs/req (process) | Redis CPU µs/req | errors | req/s vs bare | p99 vs bare | CPU vs bare | peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of targets) {
    const xs = samples.get(t.name)!;
    console.log(
      `| ${t.name} | ${span(xs.map((s) => s.rps))} | ${span(xs.map((s) => s.p50))} | ${span(xs.map((s) => s.p99))} | ${span(xs.map((s) => s.cpuUsPerReq))} | ${span(xs.map((s) => s.redisUsPerReq))} | ${xs.reduce((n, s) => n + s.non2xx + s.errors, 0)} | ${span(ratio(xs, (s) => s.rps), 2)} | ${span(ratio(xs, (s) => s.p99), 2)} | ${span(ratio(xs, (s) => s.cpuUsPerReq), 2)} | ${Math.round(Math.max(...xs.map((s) => s.peakRss)))} MB |`,
    );
  }
}

/**
 * `STORM_SESSIONS` sessions whose access tokens enter the refresh window (REFRESH_SKEW_SECONDS
 * before expiry) in the same second, under load on those sessions: latency before and during.
 */
async function storm(sessions: Awaited<ReturnType<typeof benchSessions>>, bff: { name: string; url: string }, emulator: Awaited<ReturnType<typeof spawnEmulator>>) {
  const steadySeconds = 4;
  const lead = steadySeconds + 7; // create, warm up, steady load, then the window opens 1.5 s into the storm load
  const entersWindowAt = Math.floor(Date.now() / 1000) + lead;
  const cookies = await sessions.create(STORM_SESSIONS, { accessTokenExpiresAt: entersWindowAt + SKEW_SECONDS, accessTokenLifetime: 3600 });
  const file = join(work, `storm-${bff.name}.txt`);
  writeFileSync(file, cookies.join('\n'));
  await runLoad(`${bff.url}/api/hello`, 2, file); // warm-up: every session's record opened once, as in a steady state
  const steady = await runLoad(`${bff.url}/api/hello`, steadySeconds, file);
  await emulator.reset();
  const wait = entersWindowAt * 1000 - 1_500 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const during = await runLoad(`${bff.url}/api/hello`, STORM_SECONDS, file, undefined, 2);
  await new Promise((r) => setTimeout(r, 500));
  const stats = await emulator.stats();
  console.log(`\nRefresh storm, BFF ${bff.name}: ${STORM_SESSIONS} sessions enter the refresh window in the same second, under load (${CONNECTIONS} connections, round robin over them)`);
  console.log('| moment | req/s | p50 ms | p99 ms | max ms | errors | refresh grants at the IdP |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  console.log(`| steady (${steadySeconds} s before) | ${Math.round(steady.rps)} | ${steady.p50} | ${steady.p99} | ${steady.max} | ${steady.non2xx + steady.errors} | |`);
  console.log(`| storm (${STORM_SECONDS} s from 1.5 s before the window's opening) | ${Math.round(during.rps)} | ${during.p50} | ${during.p99} | ${during.max} | ${during.non2xx + during.errors} | ${stats.grants.refresh_token} |`);
  console.log(`p99 during the storm: ${(during.p99 / Math.max(steady.p99, 1)).toFixed(2)}× steady; worst 2 s slice: p99 ${during.worstSliceP99} ms, ${((during.worstSliceP99 ?? 0) / Math.max(steady.p99, 1)).toFixed(2)}× steady`);
  console.log(`p99 by 2 s slice: ${(during.slices ?? []).map((s) => `${s.fromS}s ${s.p99}`).join(', ')}`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
  });
