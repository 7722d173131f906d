// The benchmarks' processes: starting them, waiting for them, and what /proc (Linux) says of
// their CPU time and resident memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const API_DIR = fileURLToPath(new URL('..', import.meta.url));

/** utime + stime of a process, in µs (from /proc/<pid>/stat, clock ticks of 10 ms); NaN when unreadable. */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}

/** Resident memory of a process, in MiB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** The Node flags of `npm start` (heap limits): a benchmarked BFF runs exactly as production starts it. */
const startFlags = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(/\s+/)
  .filter((a) => a.startsWith('--'));

/** The Redis every benchmark process uses, and the session secret of every benchmarked BFF. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SECRET = 'benchmark-secret-benchmark-secret-0123456789';

/**
 * Starts a BFF build (`script`) as `npm start` runs it, in production mode, on `port`, with the
 * benchmark's Redis, key prefix, secret, IdP and upstream; `env` adds or overrides variables.
 */
export function startBff(script: string, o: { port: number; prefix: string; issuer: string; upstreamUrl: string; env?: Record<string, string> }): ChildProcess {
  const url = `http://127.0.0.1:${o.port}`;
  return start([...startFlags, script], {
    NODE_ENV: 'production',
    PORT: String(o.port),
    PUBLIC_URL: url,
    REDIS_URL,
    REDIS_KEY_PREFIX: o.prefix,
    SESSION_SECRET: SECRET,
    COGNITO_ISSUER: o.issuer,
    COGNITO_CLIENT_ID: 'local-client',
    COGNITO_CLIENT_SECRET: 'local-secret',
    API_UPSTREAM_URL: o.upstreamUrl,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    ...o.env,
  });
}

/** Node processes a benchmark started (each killed with SIGTERM when it ends). */
export const children: ChildProcess[] = [];

/** Starts `node <args>` in apps/api with extra environment; its stdout is ignored, stderr shown. */
export function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: API_DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

/** Resolves once `url` answers at all (any status), polling every 100 ms for up to 30 s. */
export async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fetch(url).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}
