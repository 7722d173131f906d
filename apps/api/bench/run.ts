// `npm run bench`: throughput and latency of the BFF next to the upstream alone and a bare proxy,
// on this machine, in one run; then a burst of parallel requests at the moment the access token
// expires. A script, not a test: figures go to docs/benchmarks.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { spawnEmulator, signIn } from '@app/cognito-emulator';

const API_DIR = fileURLToPath(new URL('..', import.meta.url));
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const BURST = 200;
const ports = { upstream: 4620, bare: 4621, bff: 4622 };
const children: ChildProcess[] = [];
/** The BFF runs exactly as `npm start` runs it (same Node flags). */
const startFlags = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(/\s+/)
  .filter((a) => a.startsWith('--'));

function start(args: string[], env: Record<string, string> = {}, cwd = API_DIR): ChildProcess {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function waitFor(url: string) {
  for (let i = 0; i < 200; i++) {
    if (await fetch(url).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function load(title: string, url: string, headers: Record<string, string> = {}, pid?: number) {
  let peakRss = pid ? rssMb(pid) : 0;
  const sampler = pid ? setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 200) : undefined;
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  if (sampler) clearInterval(sampler);
  const non2xx = result.non2xx + result.errors;
  return { title, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx, peakRss };
}

async function main() {
  const emulator = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 3600 });
  start(['--import', 'tsx', 'bench/targets.ts', 'upstream', String(ports.upstream)]);
  start(['--import', 'tsx', 'bench/targets.ts', 'bare', String(ports.bare), `http://127.0.0.1:${ports.upstream}`]);
  const bffUrl = `http://127.0.0.1:${ports.bff}`;
  const bffEnv = {
    NODE_ENV: 'production',
    PORT: String(ports.bff),
    PUBLIC_URL: bffUrl,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `bench:${process.pid}:`,
    SESSION_SECRET: 'benchmark-secret-benchmark-secret-0123456789',
    COGNITO_ISSUER: emulator.issuer,
    COGNITO_CLIENT_ID: 'local-client',
    COGNITO_CLIENT_SECRET: 'local-secret',
    API_UPSTREAM_URL: `http://127.0.0.1:${ports.upstream}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  const bff = start([...startFlags, 'dist/server.js'], bffEnv);
  await Promise.all([waitFor(`http://127.0.0.1:${ports.upstream}/`), waitFor(`http://127.0.0.1:${ports.bare}/`), waitFor(`${bffUrl}/healthz`)]);
  const cookie = await signInCookie(bffUrl);
  const headers = { cookie, 'x-csrf': '1' };
  if ((await fetch(`${bffUrl}/api/hello`, { headers })).status !== 200) throw new Error('signed-in call through the BFF failed');

  console.log(`\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  console.log(`Load: autocannon, ${CONNECTIONS} connections, ${DURATION} s each, GET, same machine\n`);
  await load('warm-up', `${bffUrl}/api/hello`, headers);
  const rows = [
    await load('upstream directly', `http://127.0.0.1:${ports.upstream}/hello`),
    await load('bare node:http proxy (no auth)', `http://127.0.0.1:${ports.bare}/api/hello`),
    await load('BFF /api/* (cookie session, Redis)', `${bffUrl}/api/hello`, headers, bff.pid),
  ];
  const bare = rows[1]!;
  console.log('| target | req/s | p50 ms | p99 ms | errors | vs bare (req/s) | vs bare (p99) | peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.title} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${(r.rps / bare.rps).toFixed(2)}× | ${(r.p99 / Math.max(bare.p99, 1)).toFixed(2)}× | ${r.peakRss ? `${Math.round(r.peakRss)} MB` : ''} |`,
    );
  }
  const bffRow = rows[2]!;
  const ok = bffRow.rps >= 0.6 * bare.rps && bffRow.p99 <= 2 * Math.max(bare.p99, 1) && bffRow.peakRss < 150;
  console.log(`\nTarget (≥ 0.6× bare throughput, p99 ≤ 2× bare, RSS < 150 MB): ${ok ? 'met' : 'NOT met'}`);

  await burstAtExpiry(emulator);
  await emulator.stop();
}

async function signInCookie(base: string): Promise<string> {
  const login = await fetch(`${base}/auth/login`, { redirect: 'manual' });
  const loginCookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const callback = await signIn(login.headers.get('location')!, 'alice', 'Passw0rd!');
  const done = await fetch(callback, { redirect: 'manual', headers: { cookie: loginCookie } });
  return done.headers.getSetCookie()[0]!.split(';')[0]!;
}

/** 200 parallel requests at the moment the access token expires: one refresh, and what it adds. */
async function burstAtExpiry(_longLived: Awaited<ReturnType<typeof spawnEmulator>>) {
  const idp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 4, rotateRefreshTokens: true });
  const port = ports.bff + 1;
  const base = `http://127.0.0.1:${port}`;
  start([...startFlags, 'dist/server.js'], {
    NODE_ENV: 'production',
    PORT: String(port),
    PUBLIC_URL: base,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `bench:${process.pid}:burst:`,
    SESSION_SECRET: 'benchmark-secret-benchmark-secret-0123456789',
    COGNITO_ISSUER: idp.issuer,
    COGNITO_CLIENT_ID: 'local-client',
    COGNITO_CLIENT_SECRET: 'local-secret',
    API_UPSTREAM_URL: `http://127.0.0.1:${ports.upstream}`,
    LOG_LEVEL: 'warn',
  });
  await waitFor(`${base}/healthz`);
  const cookie = await signInCookie(base);
  const headers = { cookie, 'x-csrf': '1' };
  const fire = async () => {
    const times = await Promise.all(
      Array.from({ length: BURST }, async () => {
        const t0 = performance.now();
        const res = await fetch(`${base}/api/hello`, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`burst call answered ${res.status}`);
        return performance.now() - t0;
      }),
    );
    times.sort((a, b) => a - b);
    return { p50: times[Math.floor(BURST / 2)]!, max: times[BURST - 1]! };
  };
  await fire(); // warm-up: opens the 200 connections and the upstream pool, so both bursts below start equal
  const fresh = await fire();
  await new Promise((r) => setTimeout(r, 3_200)); // 4 s token: refresh point at ≤ 2 s left
  await idp.reset();
  const expired = await fire();
  const stats = await idp.stats();
  console.log(`\nBurst of ${BURST} parallel requests (cookie session, rotation on):`);
  console.log('| moment | p50 ms | max ms | refresh grants at the IdP |');
  console.log('|---|---:|---:|---:|');
  console.log(`| token fresh | ${fresh.p50.toFixed(1)} | ${fresh.max.toFixed(1)} | 0 |`);
  console.log(`| token just expired | ${expired.p50.toFixed(1)} | ${expired.max.toFixed(1)} | ${stats.grants.refresh_token} |`);
  console.log(`Latency the refresh added: p50 +${(expired.p50 - fresh.p50).toFixed(1)} ms, max +${(expired.max - fresh.max).toFixed(1)} ms`);
  await idp.stop();
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
  });
