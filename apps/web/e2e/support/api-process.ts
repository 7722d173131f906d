// The built API (`node apps/api/dist/server.js`) as a child process, as `npm start` runs it in
// production: it also serves the built web app on the same origin.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { defer } from './cleanup.js';
import { ARTIFACTS_DIR, REPO_ROOT } from './paths.js';
import { sleep } from './ports.js';

const READY_TIMEOUT_MS = 20_000;
const LOG_TAIL_LINES = 40;

/**
 * The API's own variables (contract and README). The test sets the ones it needs and drops the
 * rest, so a developer's shell (or an `.env`) cannot change what is tested.
 */
const API_VARIABLES = [
  'NODE_ENV', 'PORT', 'PUBLIC_URL', 'REDIS_URL', 'REDIS_KEY_PREFIX', 'SESSION_SECRET', 'SESSION_TTL_SECONDS',
  'COGNITO_ISSUER', 'COGNITO_CLIENT_ID', 'COGNITO_CLIENT_SECRET', 'COGNITO_SCOPES', 'API_UPSTREAM_URL', 'API_WEBSOCKET', 'API_ROUTES', 'API_ROUTES_FILE',
  'UPSTREAM_TIMEOUT_MS', 'IDP_TIMEOUT_MS', 'REFRESH_SKEW_SECONDS', 'LOG_LEVEL', 'TRUST_PROXY', 'WEB_DIST_DIR',
  'SHUTDOWN_GRACE_MS',
];

/** A running API process. */
export interface ApiProcess {
  pid: number;
  /** The last lines it wrote (stdout and stderr), for failure reports. */
  logTail(): string;
}

/**
 * Starts the API with `env` (the contract's variable names) and resolves once `GET /readyz`
 * answers 200 at `publicUrl`. Output goes to `test-artifacts/e2e/api.log`.
 */
export async function startApi(publicUrl: string, env: Record<string, string>): Promise<ApiProcess> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !API_VARIABLES.includes(key)));
  // The working directory holds no `.env`, which the API would otherwise read.
  const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/api/dist/server.js')], {
    cwd: ARTIFACTS_DIR,
    env: { ...inherited, SHUTDOWN_GRACE_MS: '2000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = createWriteStream(join(ARTIFACTS_DIR, 'api.log'));
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - LOG_TAIL_LINES));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  defer('API process', async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 4_000);
      await exited;
      clearTimeout(killer);
    }
    await new Promise<void>((resolve) => log.end(resolve));
  });
  process.once('exit', () => child.kill('SIGKILL'));

  const api: ApiProcess = { pid: child.pid ?? -1, logTail: () => tail.join('\n') };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the API exited during start-up (code ${child.exitCode}, signal ${child.signalCode}):\n${api.logTail()}`);
    }
    try {
      const res = await fetch(`${publicUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return api;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      throw new Error(`GET /readyz did not answer 200 within ${READY_TIMEOUT_MS} ms (last: ${last}):\n${api.logTail()}`);
    }
    await sleep(100);
  }
}
