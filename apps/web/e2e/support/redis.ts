// A Redis for the run: REDIS_URL as given, else the one on 127.0.0.1:6379 if it answers PING,
// else a throwaway `redis-server` without persistence on a free port.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { defer } from './cleanup.js';
import { freePort, sleep } from './ports.js';

/** The Redis the API will use, and where it came from (for the report). */
export interface RedisChoice {
  url: string;
  source: string;
}

/** True when a Redis without a password answers `PING` on host:port within a second. */
function answersPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('+PONG')));
  });
}

async function startThrowaway(): Promise<RedisChoice> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) =>
      reject(new Error(`no Redis on 127.0.0.1:6379 and redis-server could not be started (${err.message}): install Redis or set REDIS_URL`)),
    );
  });
  defer('redis-server', async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  process.once('exit', () => child.kill('SIGKILL'));
  for (let i = 0; i < 100; i++) {
    if (await answersPing('127.0.0.1', port)) return { url: `redis://127.0.0.1:${port}`, source: `throwaway redis-server on port ${port}` };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`redis-server on port ${port} did not answer PING`);
}

/** Picks or starts the Redis; a started one is stopped at clean-up. */
export async function provideRedis(): Promise<RedisChoice> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { url: fromEnv, source: 'REDIS_URL' };
  if (await answersPing('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379', source: 'the Redis on 127.0.0.1:6379' };
  return startThrowaway();
}
