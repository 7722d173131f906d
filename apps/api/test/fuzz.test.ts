import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { sessionCookieFrom, signInAs, testPrefix, testSecret } from './support/bff.js';
import { spawnBff, type BffProcess } from './support/bff-process.js';
import { callbackCase, fuzzCases, prng, type FuzzCase, type PendingLogin } from './support/fuzz-cases.js';
import { rawRequest, type RawResponse } from './support/raw-http.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_505);
const WARM_UP = 300;
const RUN = Number(process.env.FUZZ_RUNS ?? 1_200);
/** Of which garbage callbacks for real pending sign-ins (each needs a real /auth/login first). */
const CALLBACKS = 60;
const CONCURRENCY = 16;

let idp: SpawnedEmulator;
let upstream: Server;
let bff: BffProcess;
let cookie: string;

const residentMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  // an upstream that answers 200 to anything, so every 5xx seen comes from the BFF itself
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  bff = await spawnBff({
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: testPrefix(),
    SESSION_SECRET: testSecret(),
    COGNITO_ISSUER: idp.issuer,
    COGNITO_CLIENT_ID: 'local-client',
    COGNITO_CLIENT_SECRET: 'local-secret',
    API_UPSTREAM_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    // low enough that the fuzz also runs into the limiter (429s are fine), and errors only in the log
    RATE_LIMIT_AUTH_PER_MINUTE: '40',
    LOG_LEVEL: 'error',
  });
  ({ cookie } = await signInAs(bff));
}, 30_000);
afterAll(async () => {
  await bff?.stop();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
  await idp?.stop();
});

/** How one answer is classified; `problem` is set when it breaks a rule. */
interface Verdict {
  kind: 'app' | 'node-parser' | 'closed' | 'timeout';
  status?: number;
  problem?: string;
}

function judge(res: RawResponse): Verdict {
  if (res.outcome === 'timeout') return { kind: 'timeout', problem: 'no answer within 5 s' };
  if (res.outcome === 'closed') return { kind: 'closed' };
  const status = res.status ?? 0;
  // every request the API handles gets an X-Request-Id; Node's parser answers malformed HTTP without one
  const kind = res.headers['x-request-id'] ? 'app' : 'node-parser';
  if (status >= 500 || status < 100) return { kind, status, problem: `status ${status}` };
  if (kind === 'app' && status >= 400 && !/^application\/problem\+json/.test(res.headers['content-type'] ?? '')) {
    return { kind, status, problem: `${status} without problem+json (${res.headers['content-type']})` };
  }
  return { kind, status };
}

async function run(cases: FuzzCase[]) {
  const url = new URL(bff.url);
  const target = { host: url.hostname, port: Number(url.port) };
  const verdicts: Array<{ c: FuzzCase; v: Verdict }> = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      verdicts.push({ c, v: judge(await rawRequest(target, c.data, { head: c.head })) });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return verdicts;
}

/** Starts real sign-ins, each from its own address (X-Forwarded-For from loopback is trusted), so the rate limit does not get in the way. */
async function pendingLogins(n: number): Promise<PendingLogin[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const ip = `198.51.100.${i + 1}`;
      const res = await fetch(`${bff.url}/auth/login`, { redirect: 'manual', headers: { 'x-forwarded-for': ip } });
      const state = new URL(res.headers.get('location')!).searchParams.get('state')!;
      return { cookie: sessionCookieFrom(res)!, state, ip };
    }),
  );
}

describe('fuzzing a BFF process with malformed requests', () => {
  it(`answers ${RUN} malformed requests without a 5xx, stays up with flat memory, and a session still works (seed ${SEED})`, async () => {
    const rng = prng(SEED);
    const pid = bff.child.pid!;
    await run(fuzzCases(rng, { cookie }, WARM_UP));
    const baseline = residentMb(pid);

    const cases = fuzzCases(rng, { cookie }, RUN - CALLBACKS);
    for (const pending of await pendingLogins(CALLBACKS)) cases.splice(Math.floor(rng() * cases.length), 0, callbackCase(rng, pending));
    const verdicts = await run(cases);
    const after = residentMb(pid);

    const tally: Record<string, number> = {};
    for (const { v } of verdicts) {
      const key = `${v.kind}${v.status ? ` ${v.status}` : ''}`;
      tally[key] = (tally[key] ?? 0) + 1;
    }
    const closed = verdicts.filter(({ v }) => v.kind === 'closed').map(({ c }) => `${c.family}: ${c.name}`);
    console.warn(`fuzz seed ${SEED}: ${verdicts.length} requests, RSS ${baseline.toFixed(0)} → ${after.toFixed(0)} MB;`, JSON.stringify(tally), 'closed without an answer:', JSON.stringify([...new Set(closed)]));

    const broken = verdicts
      .filter(({ v }) => v.problem)
      .slice(0, 20)
      .map(({ c, v }) => `[${c.family}: ${c.name}] ${v.problem}: ${JSON.stringify(c.data.subarray(0, 160).toString('latin1'))}`);
    expect(broken, `FUZZ_SEED=${SEED} reproduces these`).toEqual([]);
    expect(verdicts).toHaveLength(RUN);
    expect(verdicts.filter(({ v }) => v.kind === 'app').length).toBeGreaterThan(RUN / 2); // most reach the API, not only the parser

    // the process is up, healthy, and a signed-in session still works
    expect(bff.child.exitCode).toBeNull();
    expect(bff.child.signalCode).toBeNull();
    expect((await fetch(`${bff.url}/healthz`)).status).toBe(200);
    const session = await fetch(`${bff.url}/session`, { headers: { cookie } });
    expect(await session.json()).toMatchObject({ authenticated: true, user: { username: 'alice' } });
    const api = await fetch(`${bff.url}/api/hello`, { headers: { cookie, 'x-csrf': '1' } });
    expect(api.status).toBe(200);
    expect(await api.json()).toEqual({ ok: true });

    expect(after - baseline).toBeLessThan(60);
  }, 40_000);
});
