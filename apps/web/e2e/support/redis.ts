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

/** Deletes, inside Redis, every key matching ARGV[1]; answers how many. */
const DELETE_MATCHING = `local cursor, n = '0', 0
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do n = n + redis.call('UNLINK', key) end
until cursor == '0'
return n`;

function resp(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * Deletes the run's keys (everything under `prefix`) from the Redis at `url`, so a shared
 * developer Redis keeps none of them. One script, so no client library is needed here.
 */
export function deleteKeysUnder(url: string, prefix: string): Promise<number> {
  const u = new URL(url);
  const commands: string[][] = [];
  if (u.password) commands.push(u.username ? ['AUTH', decodeURIComponent(u.username), decodeURIComponent(u.password)] : ['AUTH', decodeURIComponent(u.password)]);
  const db = u.pathname.slice(1);
  if (db) commands.push(['SELECT', db]);
  commands.push(['EVAL', DELETE_MATCHING, '0', `${prefix}*`]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 6379) });
    let received = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('Redis did not answer within 5 s')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(commands.map(resp).join('')));
    socket.on('data', (data) => {
      received += data.toString('utf8');
      const replies = received.split('\r\n').slice(0, -1);
      const failed = replies.find((line) => line.startsWith('-'));
      if (failed) return socket.destroy(new Error(`Redis: ${failed.slice(1)}`));
      if (replies.length < commands.length) return;
      socket.end();
      resolve(Number(replies.at(-1)?.slice(1)));
    });
  });
}
