#!/usr/bin/env node
// Checks what can be checked of the production image (Dockerfile, last stage) without a Docker
// engine; .ci/run calls it after the build.
//   node scripts/check-prod-image.mjs            the Dockerfile's shape and `npm ls` of the API's production tree
//   node scripts/check-prod-image.mjs --install  also runs the prod-deps stage's `npm ci` in a temporary
//                                                directory, looks at what it installed, puts the built API
//                                                and web app next to it as the image does, starts the API
//                                                from there and runs the image's HEALTHCHECK against it
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];
const fail = (message) => problems.push(message);
const readJson = (file) => JSON.parse(readFileSync(join(root, file), 'utf8'));

/** Packages that must never be in the image: the dev-only workspaces, the emulator's IdP library, and every devDependency. */
function forbiddenPackages() {
  const names = new Set(['@app/cognito-emulator', '@app/demo-upstream', 'oidc-provider', 'vitest', 'vite', 'typescript', 'tsx', 'turbo']);
  for (const file of ['package.json', 'apps/api/package.json']) for (const name of Object.keys(readJson(file).devDependencies ?? {})) names.add(name);
  // a devDependency of the root that the API also needs at run time is not forbidden
  for (const name of Object.keys(readJson('apps/api/package.json').dependencies ?? {})) names.delete(name);
  return names;
}

/** The Dockerfile as stages of instructions (continuation lines joined, comments dropped). */
function parseDockerfile() {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\r?\n/g, ' ');
  const stages = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line);
    const instruction = { keyword: keyword.toUpperCase(), args: rest };
    if (instruction.keyword === 'FROM') {
      const name = / AS\s+(\S+)/i.exec(rest)?.[1] ?? String(stages.length);
      stages.push({ name, from: rest.split(/\s+/)[0], instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1).instructions.push(instruction);
    }
  }
  return stages;
}

/** `COPY [--from=x] src… dest` as { from, sources, dest }. */
function parseCopy(args) {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1) };
}

const DEV_ONLY_PATHS = /packages\/(cognito-emulator|demo-upstream)/;

function checkDockerfile(stages) {
  const final = stages.at(-1);
  const named = (name) => stages.find((s) => s.name === name);
  const of = (stage, keyword) => stage.instructions.filter((i) => i.keyword === keyword);

  const users = of(final, 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (!user) fail('the final stage sets no USER: the process would run as root');
  else if (user === 'root' || user === '0') fail(`the final stage runs as ${user}`);
  const health = of(final, 'HEALTHCHECK').at(-1);
  if (!health || /^NONE\b/i.test(health.args)) fail('the final stage has no HEALTHCHECK');
  if (!of(final, 'ENV').some((i) => /\bNODE_ENV=production\b/.test(i.args))) fail('the final stage does not set NODE_ENV=production');
  if (!/\/healthz/.test(health?.args ?? '')) fail('the HEALTHCHECK does not ask /healthz');

  const prodDepsStages = new Set();
  for (const { args } of of(final, 'COPY').concat(of(final, 'ADD'))) {
    const copy = parseCopy(args);
    for (const source of copy.sources) {
      if (DEV_ONLY_PATHS.test(source)) fail(`the final stage copies a dev-only package: COPY ${args}`);
      if (['.', './', '/app', '/app/'].includes(source) && copy.from !== undefined && named(copy.from) && of(named(copy.from), 'RUN').some((i) => /npm (ci|install)\b/.test(i.args) && !/--omit=dev/.test(i.args))) {
        fail(`the final stage copies the whole of stage "${copy.from}", which installed dev dependencies: COPY ${args}`);
      }
      if (['.', './'].includes(source) && copy.from === undefined) fail(`the final stage copies the whole build context: COPY ${args}`);
      if (copy.from !== undefined && ['.', './', '/app', '/app/'].includes(source)) prodDepsStages.add(copy.from);
    }
  }
  if (prodDepsStages.size === 0) fail('the final stage copies its node_modules from no stage (expected COPY --from=prod-deps /app ./)');
  for (const name of prodDepsStages) {
    const stage = named(name);
    if (!stage) continue;
    const install = of(stage, 'RUN').find((i) => /\bnpm ci\b/.test(i.args));
    if (!install || !/--omit=dev/.test(install.args)) fail(`stage "${name}" does not run npm ci --omit=dev`);
    for (const { args } of of(stage, 'COPY')) if (DEV_ONLY_PATHS.test(args)) fail(`stage "${name}" copies a dev-only package, so npm ci installs its dependencies: COPY ${args}`);
  }
  return { final, prodDeps: [...prodDepsStages].map(named).find(Boolean), health };
}

/** Every package name in an `npm ls --json` tree. */
function namesIn(tree, into = new Set()) {
  for (const [name, node] of Object.entries(tree.dependencies ?? {})) {
    into.add(name);
    namesIn(node, into);
  }
  return into;
}

function checkNpmLs(forbidden) {
  const out = spawnSync('npm', ['ls', '--omit=dev', '--all', '--json', '-w', 'apps/api'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (!out.stdout) return fail(`npm ls failed: ${out.stderr}`);
  const names = namesIn(JSON.parse(out.stdout));
  if (!names.has('express')) fail('npm ls --omit=dev -w apps/api does not list express: the check itself is broken');
  const found = [...names].filter((n) => forbidden.has(n));
  if (found.length > 0) fail(`the API's production dependency tree holds dev-only packages: ${found.join(', ')}`);
  return names.size;
}

/** Every package directory under a node_modules tree, as package names. */
function installedPackages(dir, into = new Set()) {
  if (!existsSync(dir)) return into;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.name.startsWith('@') && entry.isDirectory()) {
      for (const scoped of readdirSync(path)) {
        into.add(`${entry.name}/${scoped}`);
        installedPackages(join(path, scoped, 'node_modules'), into);
      }
    } else {
      into.add(entry.name);
      installedPackages(join(path, 'node_modules'), into);
    }
  }
  return into;
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** Replays the prod-deps stage in a temporary directory, then runs the API from it as the image would. */
async function checkInstall({ prodDeps, health }, forbidden) {
  const dir = mkdtempSync(join(tmpdir(), 'prod-image-'));
  try {
    for (const { args } of prodDeps.instructions.filter((i) => i.keyword === 'COPY')) {
      const { from, sources, dest } = parseCopy(args);
      if (from !== undefined) continue;
      for (const source of sources) {
        const target = dest.endsWith('/') ? join(dir, dest, source.split('/').at(-1)) : join(dir, dest === './' ? source : dest);
        mkdirSync(dirname(target), { recursive: true });
        cpSync(join(root, source), target);
      }
    }
    const run = prodDeps.instructions.find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    // only `npm ci …`: what follows (npm cache clean) would touch this machine's npm cache
    const command = run.args.split('&&').map((s) => s.trim()).find((s) => s.startsWith('npm ci'));
    console.log(`  $ ${command}   (in ${dir})`);
    execFileSync('sh', ['-c', command], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });

    const installed = installedPackages(join(dir, 'node_modules'));
    const found = [...installed].filter((n) => forbidden.has(n));
    if (found.length > 0) fail(`the prod-deps stage installs dev-only packages: ${found.join(', ')}`);
    for (const name of Object.keys(readJson('apps/api/package.json').dependencies)) {
      if (!installed.has(name)) fail(`the prod-deps stage does not install ${name}, a dependency of the API`);
    }
    console.log(`  installed ${installed.size} packages${found.length === 0 ? ', none of them dev-only' : ''}`);

    const built = ['packages/shared-types/dist', 'apps/api/dist', 'apps/web/dist'];
    const missing = built.filter((d) => !existsSync(join(root, d)));
    if (missing.length > 0) return fail(`not built (${missing.join(', ')}): run npm run build first`);
    for (const d of built) cpSync(join(root, d), join(dir, d), { recursive: true });
    await startAndProbe(dir, health);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the API from the image's layout (nothing else reachable) and runs the HEALTHCHECK's command. */
async function startAndProbe(dir, health) {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    PORT: String(port),
    PUBLIC_URL: `http://localhost:${port}`,
    SESSION_SECRET: 'prod-image-check-secret-0123456789abcdef',
    // nothing listens on port 9: the check writes nothing to anyone's Redis
    REDIS_URL: 'redis://127.0.0.1:9',
    COGNITO_ISSUER: 'http://127.0.0.1:9/check',
    COGNITO_CLIENT_ID: 'check',
    COGNITO_CLIENT_SECRET: 'check',
    API_UPSTREAM_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'error',
  };
  const child = spawn(process.execPath, ['apps/api/dist/server.js'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  try {
    const cmd = JSON.parse(/CMD\s+(\[.*\])\s*$/.exec(health.args)?.[1] ?? 'null');
    if (!Array.isArray(cmd)) return fail('the HEALTHCHECK is not in exec form (CMD ["node", …])');
    let healthy = false;
    for (let i = 0; i < 50 && !healthy && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 200));
      healthy = spawnSync(cmd[0] === 'node' ? process.execPath : cmd[0], cmd.slice(1), { env, timeout: 3_000 }).status === 0;
    }
    if (!healthy) return fail(`the API started from the image's files did not pass the HEALTHCHECK:\n${stderr}`);
    const page = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
    if (!page.includes('<div id="root">')) fail('the API started from the image\'s files does not serve the web app at /');
    console.log('  the API starts from the image\'s files, passes the HEALTHCHECK and serves the web app');
  } finally {
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0 && code !== 'SIGTERM') fail(`the API did not exit cleanly on SIGTERM (${code})`);
  }
}

const stages = parseDockerfile();
const forbidden = forbiddenPackages();
const image = checkDockerfile(stages);
console.log(`  Dockerfile: checked the final stage "${image.final.name}" (USER, HEALTHCHECK, NODE_ENV, what it copies)`);
const count = checkNpmLs(forbidden);
console.log(`  npm ls --omit=dev -w apps/api: checked ${count} packages`);
if (process.argv.includes('--install') && image.prodDeps && image.health) await checkInstall(image, forbidden);

if (problems.length > 0) {
  console.error(`✖ production image:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('production image: ok');
