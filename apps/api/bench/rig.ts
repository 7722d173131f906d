// `npm run bench:rig -- [name=path/to/server.js[,KEY=VALUE...]]...`: the benchmark's processes kept
// up for profiling and quick A/B checks by hand (strace, perf, an inspector wrapper, `bench/cpu.ts`):
// the upstream, the bare proxy, the floor and one BFF per argument (default `bff=dist/server.js`) on ports 4650,
// 4651…, with 2,000 signed-in sessions whose cookies are written to a file. It prints the ports,
// pids and load commands, and stops everything on Ctrl-C. Not a measurement: `npm run bench` is
// (docs/benchmarks.md).
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnEmulator } from '@app/cognito-emulator';
import { benchSessions } from './sessions.js';
import { children, REDIS_URL, SECRET, start, startBff, waitFor } from './proc.js';

const variants = (process.argv.length > 2 ? process.argv.slice(2) : ['bff=dist/server.js']).map((arg) => {
  const [spec, ...env] = arg.split(',');
  const [name, script] = spec!.split('=', 2);
  if (!name || !script) throw new Error(`want name=path[,KEY=VALUE...], got ${arg}`);
  return { name, script, env: Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) };
});
const PREFIX = `bench:${process.pid}:`;
const ports = { upstream: 4640, bare: 4641, floor: 4643, bff: 4650 };

const emulator = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 3600 });
const upstreamUrl = `http://127.0.0.1:${ports.upstream}`;
const upstream = start(['--import', 'tsx', 'bench/targets.ts', 'upstream', String(ports.upstream)]);
const bare = start(['--import', 'tsx', 'bench/targets.ts', 'bare', String(ports.bare), upstreamUrl]);
const bffs = variants.map((v, i) => {
  const url = `http://127.0.0.1:${ports.bff + i}`;
  // no drain on stop: the next rig may start at once on the same ports
  const child = startBff(v.script, { port: ports.bff + i, prefix: PREFIX, issuer: emulator.issuer, upstreamUrl, env: { SHUTDOWN_DRAIN_MS: '0', ...v.env } });
  return { ...v, url, pid: child.pid! };
});
await Promise.all([upstreamUrl, `http://127.0.0.1:${ports.bare}/`, ...bffs.map((b) => `${b.url}/healthz`)].map(waitFor));
const sessions = await benchSessions(bffs[0]!.url, { redisUrl: REDIS_URL, prefix: PREFIX, secret: SECRET, cookieName: 'bff.sid' });
const floor = start(['--import', 'tsx', 'bench/targets.ts', 'floor', String(ports.floor), upstreamUrl, REDIS_URL, PREFIX, String(sessions.record.accessToken.length)]);
await waitFor(`http://127.0.0.1:${ports.floor}/`);
const cookiesFile = join(mkdtempSync(join(tmpdir(), 'bff-rig-')), 'cookies.txt');
writeFileSync(cookiesFile, (await sessions.create(2000)).join('\n'));
const load = (url: string) => `npx tsx bench/load.ts '${JSON.stringify({ url, connections: 50, duration: 10, rate: 3000, cookiesFile, headers: { 'x-csrf': '1' } })}'`;
console.log(`upstream pid ${upstream.pid} · cookies ${cookiesFile}`);
console.log(`bare pid ${bare.pid}: ${load(`http://127.0.0.1:${ports.bare}/api/hello`)}`);
console.log(`floor pid ${floor.pid}: ${load(`http://127.0.0.1:${ports.floor}/api/hello`)}`);
for (const b of bffs) console.log(`${b.name} pid ${b.pid}: ${load(`${b.url}/api/hello`)}`);

const stop = async () => {
  await sessions.cleanUp().catch(() => undefined);
  await sessions.close().catch(() => undefined);
  await emulator.stop();
  for (const c of children) c.kill('SIGTERM');
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
