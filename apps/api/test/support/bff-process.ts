import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { testPrefix } from './isolation.js';
import { freePort } from './redis-server.js';

const API_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** A BFF running as its own OS process (`src/server.ts` under tsx), for multi-instance tests. */
export interface BffProcess {
  url: string;
  child: ChildProcess;
  /** What it wrote to stdout so far (its log), when spawned with `captureStdout`. */
  stdout(): string;
  /** SIGKILL: the process dies mid-flight, as a crashed instance would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The environment of an instance that shares Redis (same prefix and secret) and the IdP with
 * another: a second instance of one deployment.
 */
export function peerEnv(o: { issuer: string; upstreamUrl: string; keyPrefix: string; sessionSecret: string; redisUrl?: string }): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl ?? inject('redisUrl'),
    REDIS_KEY_PREFIX: o.keyPrefix,
    SESSION_SECRET: o.sessionSecret,
    COGNITO_ISSUER: o.issuer,
    COGNITO_CLIENT_ID: 'local-client',
    COGNITO_CLIENT_SECRET: 'local-secret',
    API_UPSTREAM_URL: o.upstreamUrl,
  };
}

/** Starts several with {@link spawnBff}; when one fails to start, the others are killed too. */
export async function spawnBffs(envs: Record<string, string>[], options: { captureStdout?: boolean } = {}): Promise<BffProcess[]> {
  const started = await Promise.allSettled(envs.map((env) => spawnBff(env, options)));
  const failed = started.find((s) => s.status === 'rejected');
  if (!failed) return started.map((s) => (s as PromiseFulfilledResult<BffProcess>).value);
  await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.kill() : undefined)));
  throw failed.reason;
}

/**
 * Starts one with the given environment (the contract's variable names) and waits for /healthz.
 * Without `REDIS_KEY_PREFIX` it gets a fresh testPrefix(), never the default `bff:` of the
 * developer's own app. `options.port` restarts an instance where its predecessor listened. It stops
 * without draining (`SHUTDOWN_DRAIN_MS=0`) unless `env` says otherwise.
 */
export async function spawnBff(env: Record<string, string>, options: { port?: number; captureStdout?: boolean } = {}): Promise<BffProcess> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: API_DIR,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', SHUTDOWN_DRAIN_MS: '0', PORT: String(port), PUBLIC_URL: url, REDIS_KEY_PREFIX: testPrefix(), ...env },
    stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', 'inherit'],
  });
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`BFF process exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL'); // never left running behind a test that gave up on it
      await exited;
      throw new Error('BFF process did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return { url, child, stdout: () => stdout, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
