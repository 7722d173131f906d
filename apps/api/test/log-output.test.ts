import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { peerEnv, spawnBff, type BffProcess } from './support/bff-process.js';
import { testPrefix, testSecret } from './support/bff.js';
import { startRecordingUpstream } from './support/recording-upstream.js';

// The production entry point batches its log lines (logger.ts, stdoutDestination): this proves a
// line still shows up promptly on a quiet instance, and that none is lost when the process stops.
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: BffProcess;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startRecordingUpstream();
  const env = peerEnv({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: testPrefix(), sessionSecret: testSecret() });
  bff = await spawnBff({ ...env, LOG_LEVEL: 'info' }, { captureStdout: true });
});
afterAll(async () => {
  await bff?.stop();
  await upstream?.close();
  await idp?.stop();
});

const lines = () =>
  bff
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string; reqId?: string; path?: string; status?: number });

describe('log output of the server process', () => {
  it('writes a request line within a second on a quiet instance, and every line before it exits', async () => {
    const res = await fetch(`${bff.url}/api/hello`, { headers: { 'x-request-id': 'quiet-1' } });
    expect(res.status).toBe(401);
    const deadline = Date.now() + 1_000;
    while (!lines().some((l) => l.reqId === 'quiet-1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(lines().find((l) => l.reqId === 'quiet-1')).toMatchObject({ msg: 'request', path: '/api/hello', status: 401 });

    // a burst, then SIGTERM at once: the lines still in the batch are written on exit
    const ids = Array.from({ length: 30 }, (_, i) => `burst-${i}`);
    await Promise.all(ids.map((id) => fetch(`${bff.url}/healthz`, { headers: { 'x-request-id': id } })));
    await bff.stop();
    const logged = new Set(lines().map((l) => l.reqId));
    expect(ids.filter((id) => !logged.has(id))).toEqual([]);
    expect(lines().at(-1)?.msg).toBeDefined();
  });
});
