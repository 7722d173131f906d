import { describe, expect, it } from 'vitest';
import { spawnEmulator } from '../src/index.js';
import { clientCredentials, discover, login, refresh, useEmulator, verify } from './support.js';

describe('spawned emulator lifecycle', () => {
  const pool = useEmulator();

  it('comes back after SIGKILL on the same port with the same keys, grants and counters', async () => {
    const tokens = await login(pool.d);
    expect((await clientCredentials(pool.d, { scope: 'stats/read' })).status).toBe(200);
    const { port, issuer } = pool.idp;
    const pid = pool.idp.pid;

    await pool.idp.kill();
    await expect(fetch(`${issuer}/.well-known/openid-configuration`)).rejects.toThrow();

    await pool.idp.restart();
    expect(pool.idp.pid).not.toBe(pid);
    expect(pool.idp.port).toBe(port);
    expect(pool.idp.issuer).toBe(issuer);

    // Old tokens still verify against the JWKS of the new process.
    const fresh = await discover(pool.idp.issuer);
    await verify(fresh, tokens.access_token!);
    // The grant survived: the old refresh token works.
    const res = await refresh(fresh, tokens.refresh_token!);
    expect(res.status).toBe(200);
    expect((await pool.idp.stats()).grants).toEqual({ authorization_code: 1, refresh_token: 1, client_credentials: 1 });
  });

  it('restarts a running emulator gracefully', async () => {
    const tokens = await login(pool.d);
    await pool.idp.restart();
    expect((await refresh(pool.d, tokens.refresh_token!)).status).toBe(200);
  });

  it('does not outlive a stop()', async () => {
    const other = await spawnEmulator();
    const { pid } = other;
    await other.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
