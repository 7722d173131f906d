#!/usr/bin/env node
// `npm run dev`: the whole stack in one command. Finds or starts Redis, starts the local Cognito
// emulator and the demo upstream (unless COGNITO_ISSUER / API_UPSTREAM_URL point elsewhere), the
// API in watch mode and the Vite dev server, and tells the person which URL to open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const children = [];
const colors = ['\x1b[35m', '\x1b[36m', '\x1b[33m', '\x1b[32m', '\x1b[34m'];

loadDotEnv(join(root, 'apps/api/.env'));
const env = { ...process.env };
const WEB_PORT = 5173;
const API_PORT = Number(env.PORT ?? 3000);

function loadDotEnv(file) {
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
}

function run(name, command, args, extraEnv = {}) {
  const color = colors[children.length % colors.length];
  // own process group, so stopping reaches npm's grandchildren (tsx, vite) too
  const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = `${color}${name.padEnd(9)}\x1b[0m│ `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${prefix}exited (${signal ?? code}); stopping the stack`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const c of children) {
    if (c.exitCode !== null) continue;
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {
      c.kill('SIGTERM');
    }
  }
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

function redisAnswers(url) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 6379), timeout: 1000 });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      resolve(String(d).startsWith('+PONG') || String(d).includes('NOAUTH'));
      socket.destroy();
    });
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

async function ensureRedis() {
  const url = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return console.log(`redis     │ using ${url}`);
  if (env.REDIS_URL) throw new Error(`REDIS_URL=${url} does not answer PING.`);
  if (onPath('redis-server')) {
    run('redis', 'redis-server', ['--port', '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  } else if (onPath('docker')) {
    console.log('redis     │ starting it with `docker compose up -d redis`');
    if (spawnSync('docker', ['compose', 'up', '-d', 'redis'], { cwd: root, stdio: 'inherit' }).status !== 0) {
      throw new Error('`docker compose up -d redis` failed.');
    }
  } else {
    throw new Error(
      'No Redis on 127.0.0.1:6379 and neither redis-server nor docker is installed.\n' +
        '  Install one:  sudo apt-get install redis-server   (or: brew install redis)\n' +
        '  or point REDIS_URL at a Redis you have, then run `npm run dev` again.',
    );
  }
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(url)) return console.log(`redis     │ ready at ${url}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('Redis did not come up.');
}

async function main() {
  await ensureRedis();
  // the shared packages are consumed built (dist), like in production
  const build = spawnSync('npx', ['turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('building the shared packages failed');

  const usingEmulator = !env.COGNITO_ISSUER;
  // 2-minute access tokens, so a person can watch a call succeed after the token expired
  // and back-channel logout to the API's receiver, wherever PORT put it
  if (usingEmulator) {
    run('emulator', 'npm', ['run', 'dev', '--silent', '-w', 'packages/cognito-emulator'], {
      EMULATOR_PORT: '4010',
      EMULATOR_ACCESS_TOKEN_TTL: env.EMULATOR_ACCESS_TOKEN_TTL ?? '120',
      EMULATOR_BACKCHANNEL_LOGOUT_URI: env.EMULATOR_BACKCHANNEL_LOGOUT_URI ?? `http://127.0.0.1:${API_PORT}/auth/backchannel-logout`,
    });
  }
  if (!env.API_UPSTREAM_URL) run('upstream', 'npm', ['run', 'dev', '--silent', '-w', 'packages/demo-upstream'], { DEMO_UPSTREAM_PORT: '4020' });
  // the demo stack's route table: the user's token, a group-protected route and a machine-to-machine route
  const devRoutes = usingEmulator && !env.API_UPSTREAM_URL && !env.API_ROUTES && !env.API_ROUTES_FILE ? { API_ROUTES_FILE: join(root, 'scripts/dev-routes.json') } : {};
  run('api', 'npm', ['run', 'dev', '--silent', '-w', 'apps/api'], {
    PORT: String(API_PORT),
    PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${WEB_PORT}`,
    ...devRoutes,
  });
  run('web', 'npm', ['run', 'dev', '--silent', '-w', 'apps/web'], { API_ORIGIN: `http://localhost:${API_PORT}` });

  setTimeout(() => {
    console.log(`\n  ➜ Open http://localhost:${WEB_PORT}`);
    if (usingEmulator) console.log('    Sign in as alice / Passw0rd! or bob / Passw0rd! (local Cognito emulator, dev only)\n');
  }, 2500);
}

main().catch((err) => {
  console.error(`\n✖ ${err.message}`);
  stop(1);
});
