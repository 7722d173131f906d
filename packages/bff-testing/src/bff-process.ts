// The built API (`node apps/api/dist/server.js`) as a child process, as `npm start` runs it: a
// real BFF that a test can stop and start again on the same port (a restart or a deploy).
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const READY_TIMEOUT_MS = 20_000;
const LOG_TAIL_LINES = 60;

/** A BFF process that can be stopped and started again with the same environment. */
export interface BffProcess {
  /** Its origin, `PUBLIC_URL`. */
  url: string;
  port: number;
  /** The last lines it wrote, for failure messages. */
  logTail(): string;
  /** SIGTERM (the graceful shutdown: sockets closed with 1001) and wait for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same environment; resolves when `/readyz` answers 200. */
  start(): Promise<void>;
}

/** Path of the API's built server entry (`@app/api` must be built). */
function serverEntry(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('@app/api'))), 'server.js');
}

/**
 * Starts the built API with `env` (the contract's variable names; nothing of this process's own
 * API variables leaks in) on `port`, and resolves once `GET /readyz` answers 200.
 */
export async function startBffProcess(port: number, env: Record<string, string>): Promise<BffProcess> {
  const url = `http://127.0.0.1:${port}`;
  const tail: string[] = [];
  let child: ChildProcess | undefined;

  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - LOG_TAIL_LINES));
  };
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => c.once('exit', () => resolve()));

  const start = async () => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(REDIS|COGNITO|API|SESSION|PUBLIC|PORT$|LOG_LEVEL|NODE_ENV)/.test(key)));
    const c = spawn(process.execPath, [serverEntry()], {
      env: { ...inherited, SHUTDOWN_DRAIN_MS: '0', SHUTDOWN_GRACE_MS: '500', PORT: String(port), PUBLIC_URL: url, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer';
    for (;;) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`the BFF exited during start-up (code ${c.exitCode}):\n${tail.join('\n')}`);
      try {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        last = `${res.status} ${await res.text()}`;
        if (res.status === 200) return;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() > deadline) throw new Error(`GET /readyz did not answer 200 within ${READY_TIMEOUT_MS} ms (last: ${last}):\n${tail.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const stop = async () => {
    const c = child;
    if (!c) return;
    child = undefined;
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      const killer = setTimeout(() => c.kill('SIGKILL'), 5_000);
      await exited(c);
      clearTimeout(killer);
    }
  };
  process.once('exit', () => child?.kill('SIGKILL'));

  await start();
  return { url, port, logTail: () => tail.join('\n'), stop, start };
}
