// Quick load check for WebSockets (issue 10), not a timed test: opens N idle sockets through one
// BFF instance (a separate process, started like `npm start`) and reports its memory per socket,
// then ends the session and measures how long until every socket got 4401.
//   npx tsx scripts/ws-idle-load.ts [N=5000]      (needs `npm run build` and Redis on 127.0.0.1:6379)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import WebSocket, { WebSocketServer } from 'ws';
import { signIn, spawnEmulator } from '@app/cognito-emulator';

const N = Number(process.argv[2] ?? 5000);
const BATCH = 250;
const API_DIR = fileURLToPath(new URL('..', import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = (line: string) => process.stdout.write(`${line}\n`);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  if (!existsSync(`${API_DIR}/dist/server.js`)) throw new Error('run `npm run build` first');
  const idp = await spawnEmulator({ port: 0 });
  // the upstream: idle sockets, no compression (as most real ones on a LAN)
  const upstream: Server = createServer();
  const wss = new WebSocketServer({ server: upstream, perMessageDeflate: false });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prefix = `load:${randomBytes(6).toString('hex')}:`;
  const bff = spawn(process.execPath, ['--max-old-space-size=128', 'dist/server.js'], {
    cwd: API_DIR,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      PUBLIC_URL: url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      COGNITO_ISSUER: idp.issuer,
      COGNITO_CLIENT_ID: 'local-client',
      COGNITO_CLIENT_SECRET: 'local-secret',
      API_ROUTES: JSON.stringify([{ prefix: '/api/live', upstream: upstreamUrl, websocket: true }]),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; !(await fetch(`${url}/healthz`).then((r) => r.ok, () => false)); i++) {
      if (i > 200) throw new Error('BFF did not start');
      await sleep(100);
    }
    const cookie = await signInAlice(url);
    const openOne = () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`${url.replace('http', 'ws')}/api/live`, { headers: { cookie, origin: url }, perMessageDeflate: false });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    // warm up (JIT, pools, the session in the LRU), then the baseline
    (await openOne()).close();
    await sleep(2_000);
    const before = rssKb(bff.pid!);
    const started = Date.now();
    for (let i = 0; i < N; i += BATCH) sockets.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, N - i) }, openOne))));
    const openedIn = Date.now() - started;
    await sleep(3_000);
    const after = rssKb(bff.pid!);
    log(`sockets open through one instance: ${sockets.length} (upstream holds ${wss.clients.size}) in ${openedIn} ms`);
    log(`BFF RSS: ${(before / 1024).toFixed(1)} MiB before, ${(after / 1024).toFixed(1)} MiB with ${N} idle sockets`);
    log(`RSS per idle socket (client + upstream side): ${(((after - before) * 1024) / N / 1024).toFixed(2)} KiB`);

    // one logout ends the session: every socket must get 4401
    const closes = sockets.map((ws) => new Promise<number>((r) => ws.once('close', (code) => r(code))));
    const t0 = Date.now();
    const out = await fetch(`${url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf': '1' } });
    if (out.status !== 200) throw new Error(`logout answered ${out.status}`);
    const codes = await Promise.all(closes);
    log(`logout → all ${N} sockets closed in ${Date.now() - t0} ms; codes: ${[...new Set(codes)].join(', ')}`);
  } finally {
    for (const ws of sockets) ws.terminate();
    bff.kill('SIGKILL');
    for (const c of wss.clients) c.terminate();
    upstream.close();
    await idp.stop();
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await redis.unlink(keys);
    await redis.close();
  }
}

/** The code flow as a browser does it: /auth/login, the emulator's form, /auth/callback. */
async function signInAlice(url: string): Promise<string> {
  const login = await fetch(`${url}/auth/login`, { redirect: 'manual' });
  const loginCookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const callback = await signIn(login.headers.get('location')!, 'alice', 'Passw0rd!');
  const done = await fetch(`${url}${callback.pathname}${callback.search}`, { redirect: 'manual', headers: { cookie: loginCookie } });
  return done.headers.getSetCookie()[0]!.split(';')[0]!;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
