import { describe, expect, it } from 'vitest';
import { basic, browser, type Discovery, login, refresh, signInAndExchange, useEmulator, verify } from './support.js';

async function revoke(d: Discovery, token: string): Promise<number> {
  const res = await fetch(d.revocation_endpoint, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint: 'refresh_token' }).toString(),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('refresh without rotation (Cognito default)', () => {
  const pool = useEmulator();

  it('issues a refresh token without offline_access and keeps it valid across refreshes', async () => {
    const tokens = await login(pool.d);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const first = await refresh(pool.d, tokens.refresh_token!);
    expect(first.status).toBe(200);
    expect(first.body).not.toHaveProperty('refresh_token');
    expect(Object.keys(first.body).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'token_type']);
    const access = await verify(pool.d, first.body.access_token as string);
    expect(access.payload).toMatchObject({ token_use: 'access', username: 'alice' });
    expect(access.payload.jti).not.toBe((await verify(pool.d, tokens.access_token!)).payload.jti);
    const second = await refresh(pool.d, tokens.refresh_token!);
    expect(second.status).toBe(200);
  });

  it('revokes the grant when the refresh token is revoked', async () => {
    const tokens = await login(pool.d);
    await pool.idp.reset();
    expect(await revoke(pool.d, tokens.refresh_token!)).toBe(200);
    const after = await refresh(pool.d, tokens.refresh_token!);
    expect(after.status).toBe(400);
    expect(after.body.error).toBe('invalid_grant');
    const info = await fetch(pool.d.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token!}` } });
    expect(info.status).toBe(401);
    expect((await pool.idp.stats()).revocations).toBe(1);
  });

  it('keeps another sign-in of the same hosted-UI session working when one sign-in’s refresh token is revoked (each has its own, as with Cognito)', async () => {
    const b = browser();
    const first = await signInAndExchange(b, pool.d); // the form
    const second = await signInAndExchange(b, pool.d, { extra: { prompt: 'login' } }); // again, through the same IdP session
    expect(second.tokens.refresh_token).not.toBe(first.tokens.refresh_token);
    expect(await revoke(pool.d, first.tokens.refresh_token!)).toBe(200);
    expect((await refresh(pool.d, first.tokens.refresh_token!)).status).toBe(400);
    expect((await refresh(pool.d, second.tokens.refresh_token!)).status).toBe(200);
    const silent = await signInAndExchange(b, pool.d); // a silent sign-in through the session: its own grant too
    expect(silent.silent).toBe(true);
    expect(await revoke(pool.d, second.tokens.refresh_token!)).toBe(200);
    expect((await refresh(pool.d, silent.tokens.refresh_token!)).status).toBe(200);
  });

  it('answers invalid_grant for an unknown refresh token', async () => {
    const res = await refresh(pool.d, 'not-a-refresh-token');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});

describe('refresh with rotateRefreshTokens', () => {
  const pool = useEmulator({ rotateRefreshTokens: true });

  it('returns a new refresh token each time and consumes the old one', async () => {
    const tokens = await login(pool.d);
    const first = await refresh(pool.d, tokens.refresh_token!);
    expect(first.status).toBe(200);
    const rotated = first.body.refresh_token as string;
    expect(rotated).toEqual(expect.any(String));
    expect(rotated).not.toBe(tokens.refresh_token);
    const second = await refresh(pool.d, rotated);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(rotated);
  });

  it('treats reuse of a consumed refresh token as theft: invalid_grant and the whole grant revoked', async () => {
    const tokens = await login(pool.d);
    await pool.idp.reset();
    const first = await refresh(pool.d, tokens.refresh_token!);
    const newest = first.body.refresh_token as string;

    const reuse = await refresh(pool.d, tokens.refresh_token!);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');

    const withNewest = await refresh(pool.d, newest);
    expect(withNewest.status).toBe(400);
    expect(withNewest.body.error).toBe('invalid_grant');

    const stats = await pool.idp.stats();
    expect(stats.refreshTokenReuse).toBe(1);
    expect(stats.grants.refresh_token).toBe(1);
    expect(stats.tokenRequests.refresh_token).toBe(3);
  });
});
