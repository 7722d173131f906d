import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '../src/index.js';
import { discover, login, refresh, verify, type Discovery } from './support.js';

describe('spawned emulator lifecycle', () => {
  let idp: SpawnedEmulator;
  let d: Discovery;
  beforeAll(async () => {
    idp = await spawnEmulator();
    d = await discover(idp.issuer);
  });
  afterAll(() => idp.stop());

  it('comes back after SIGKILL on the same port with the same keys, grants and counters', async () => {
    const tokens = await login(d);
    const { port, issuer } = idp;
    const pid = idp.pid;

    await idp.kill();
    await expect(fetch(`${issuer}/.well-known/openid-configuration`)).rejects.toThrow();

    await idp.restart();
    expect(idp.pid).not.toBe(pid);
    expect(idp.port).toBe(port);
    expect(idp.issuer).toBe(issuer);

    // Old tokens still verify against the JWKS of the new process.
    const fresh = await discover(idp.issuer);
    await verify(fresh, tokens.access_token!);
    // The grant survived: the old refresh token works.
    const res = await refresh(fresh, tokens.refresh_token!);
    expect(res.status).toBe(200);
    expect((await idp.stats()).grants).toEqual({ authorization_code: 1, refresh_token: 1 });
  });

  it('restarts a running emulator gracefully', async () => {
    const tokens = await login(d);
    await idp.restart();
    expect((await refresh(d, tokens.refresh_token!)).status).toBe(200);
  });

  it('does not outlive a stop()', async () => {
    const other = await spawnEmulator();
    const { pid } = other;
    await other.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
