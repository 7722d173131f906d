import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { spawnEmulator } from '../src/index.js';
import { discover, login, refresh, useEmulator, verify } from './support.js';

describe('test hooks', () => {
  const pool = useEmulator();
  beforeEach(async () => {
    await pool.idp.setBehaviour({ tokenDelayMs: 0, tokenFailureStatus: null });
    await pool.idp.reset();
  });

  it('counts successful grants and every processed token request, and resets to zero', async () => {
    const tokens = await login(pool.d);
    await refresh(pool.d, tokens.refresh_token!);
    await refresh(pool.d, 'bogus');
    expect(await pool.idp.stats()).toEqual({
      grants: { authorization_code: 1, refresh_token: 1, client_credentials: 0 },
      tokenRequests: { authorization_code: 1, refresh_token: 2, client_credentials: 0 },
      revocations: 0,
      refreshTokenReuse: 0,
      backchannelLogouts: 0,
      backchannelLogoutFailures: 0,
    });
    await pool.idp.reset();
    expect(await pool.idp.stats()).toEqual({
      grants: { authorization_code: 0, refresh_token: 0, client_credentials: 0 },
      tokenRequests: { authorization_code: 0, refresh_token: 0, client_credentials: 0 },
      revocations: 0,
      refreshTokenReuse: 0,
      backchannelLogouts: 0,
      backchannelLogoutFailures: 0,
    });
  });

  it('tells how many token requests it is processing right now', async () => {
    const tokens = await login(pool.d);
    await pool.idp.setBehaviour({ tokenDelayMs: 400 });
    expect(await pool.idp.inFlight()).toEqual({ tokenRequests: 0 });
    const pending = refresh(pool.d, tokens.refresh_token!);
    await sleep(150);
    expect(await pool.idp.inFlight()).toEqual({ tokenRequests: 1 });
    expect((await pending).status).toBe(200);
    expect(await pool.idp.inFlight()).toEqual({ tokenRequests: 0 });
  });

  it('answers the configured 5xx instead of processing, counted as a request but not a grant', async () => {
    const tokens = await login(pool.d);
    await pool.idp.reset();
    await pool.idp.setBehaviour({ tokenFailureStatus: 503 });
    expect(await (await fetch(`${pool.idp.url}/__emulator/behaviour`)).json()).toEqual({ tokenDelayMs: 0, tokenFailureStatus: 503 });
    const failed = await refresh(pool.d, tokens.refresh_token!);
    expect(failed.status).toBe(503);
    await pool.idp.setBehaviour({ tokenFailureStatus: null });
    const ok = await refresh(pool.d, tokens.refresh_token!);
    expect(ok.status).toBe(200);
    const stats = await pool.idp.stats();
    expect(stats.tokenRequests.refresh_token).toBe(2);
    expect(stats.grants.refresh_token).toBe(1);
  });

  it('delays token requests before processing them', async () => {
    const tokens = await login(pool.d);
    await pool.idp.setBehaviour({ tokenDelayMs: 600 });
    const started = Date.now();
    const res = await refresh(pool.d, tokens.refresh_token!);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });

  it('drops a delayed token request whose client disconnected: never processed nor counted', async () => {
    const tokens = await login(pool.d);
    await pool.idp.reset();
    await pool.idp.setBehaviour({ tokenDelayMs: 800 });
    // Control: a patient client is served and counted once.
    expect((await refresh(pool.d, tokens.refresh_token!)).status).toBe(200);
    const aborted = fetch(pool.d.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'local-client', client_secret: 'local-secret' }).toString(),
      signal: AbortSignal.timeout(150),
    });
    await expect(aborted).rejects.toThrow();
    await sleep(1200);
    const stats = await pool.idp.stats();
    expect(stats.tokenRequests.refresh_token).toBe(1);
    expect(stats.grants.refresh_token).toBe(1);
  });

  it('rejects an invalid behaviour', async () => {
    const res = await fetch(`${pool.idp.url}/__emulator/behaviour`, { method: 'POST', body: JSON.stringify({ tokenFailureStatus: 404 }) });
    expect(res.status).toBe(400);
  });

  it('issues access tokens for the configured lifetime in seconds', async () => {
    const short = await spawnEmulator({ accessTokenTtlSeconds: 2 });
    try {
      const sd = await discover(short.issuer);
      const tokens = await login(sd);
      expect(Number(tokens.expires_in)).toBe(2);
      const access = await verify(sd, tokens.access_token!);
      expect(access.payload.exp! - access.payload.iat!).toBe(2);
      const id = await verify(sd, tokens.id_token!);
      expect(id.payload.exp! - id.payload.iat!).toBe(2);
      await sleep(3000);
      await expect(verify(sd, tokens.access_token!)).rejects.toThrow(/exp/);
      const info = await fetch(sd.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token!}` } });
      expect(info.status).toBe(401);
      expect((await refresh(sd, tokens.refresh_token!)).status).toBe(200);
    } finally {
      await short.stop();
    }
  });
});
