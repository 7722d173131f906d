import { describe, expect, it } from 'vitest';
import { DEFAULT_USERS, signIn } from '../src/index.js';
import { authorizationUrl, pkce, REDIRECT_URI, tokenRequest, useEmulator, verify } from './support.js';

const alice = DEFAULT_USERS.find((u) => u.username === 'alice')!;

describe('authorization code flow', () => {
  const pool = useEmulator();

  it('signs alice in with PKCE and issues Cognito-shaped access and ID tokens', async () => {
    const { verifier, challenge } = pkce();
    const url = authorizationUrl(pool.d, { code_challenge: challenge, code_challenge_method: 'S256', state: 's1', nonce: 'n1' });
    const callback = await signIn(url, 'alice', 'Passw0rd!');
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe('s1');
    expect(callback.searchParams.has('iss')).toBe(false);

    const before = Math.floor(Date.now() / 1000);
    const res = await tokenRequest(pool.d, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });

    const access = await verify(pool.d, res.body.access_token as string);
    expect(access.header).toEqual({ alg: 'RS256', kid: expect.any(String) });
    expect(access.payload).toMatchObject({
      sub: alice.sub,
      iss: pool.idp.issuer,
      client_id: 'local-client',
      username: 'alice',
      scope: 'openid email profile',
      token_use: 'access',
      'cognito:groups': ['admins', 'readers'],
    });
    expect(access.payload).not.toHaveProperty('aud');
    expect(access.payload.exp! - access.payload.iat!).toBe(3600);
    expect(access.payload.auth_time).toBeGreaterThanOrEqual(before - 1);
    expect(access.payload.jti).toEqual(expect.any(String));

    const id = await verify(pool.d, res.body.id_token as string);
    expect(id.payload).toMatchObject({
      sub: alice.sub,
      aud: 'local-client',
      iss: pool.idp.issuer,
      token_use: 'id',
      'cognito:username': 'alice',
      'cognito:groups': ['admins', 'readers'],
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Example',
      nonce: 'n1',
    });
    expect(id.payload.auth_time).toBe(access.payload.auth_time);
    expect(id.payload.exp! - id.payload.iat!).toBe(3600);
  });

  it('serves userinfo for the JWT access token', async () => {
    const { verifier, challenge } = pkce();
    const callback = await signIn(authorizationUrl(pool.d, { code_challenge: challenge, code_challenge_method: 'S256' }), 'bob', 'Passw0rd!');
    const res = await tokenRequest(pool.d, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    const access = await verify(pool.d, res.body.access_token as string);
    expect(access.payload['cognito:groups']).toEqual(['readers']);
    const info = await fetch(pool.d.userinfo_endpoint, { headers: { authorization: `Bearer ${String(res.body.access_token)}` } });
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ sub: DEFAULT_USERS[1]!.sub, username: 'bob', email: 'bob@example.com' });
  });

  it('enforces PKCE when a code_challenge was sent', async () => {
    const { challenge } = pkce();
    const callback = await signIn(authorizationUrl(pool.d, { code_challenge: challenge, code_challenge_method: 'S256' }), 'alice', 'Passw0rd!');
    const code = callback.searchParams.get('code')!;
    const wrong = await tokenRequest(pool.d, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce().verifier });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
  });

  it('rejects a replayed code with invalid_grant and accepts client_secret_post', async () => {
    const callback = await signIn(authorizationUrl(pool.d), 'alice', 'Passw0rd!');
    const code = callback.searchParams.get('code')!;
    const post = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: 'local-client', client_secret: 'local-secret' };
    const first = await tokenRequest(pool.d, post, { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(first.status).toBe(200);
    const replay = await tokenRequest(pool.d, post, { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('rejects a wrong client secret with invalid_client', async () => {
    const res = await tokenRequest(pool.d, { grant_type: 'refresh_token', refresh_token: 'x' }, {
      headers: { authorization: `Basic ${Buffer.from('local-client:nope').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('shows the form again on a wrong password, and signIn reports it', async () => {
    await expect(signIn(authorizationUrl(pool.d), 'alice', 'wrong')).rejects.toThrow(/rejected the credentials.*Incorrect username or password/);
  });

  it('renders the sign-in page with the contract field names and the DEV/TEST ONLY label', async () => {
    const res = await fetch(authorizationUrl(pool.d), { redirect: 'manual' });
    const login = new URL(res.headers.get('location')!, pool.d.authorization_endpoint);
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const page = await (await fetch(login, { headers: { cookie } })).text();
    expect(page).toContain('<input id="username" name="username"');
    expect(page).toMatch(/<input id="password" name="password" type="password"/);
    expect(page).toContain('<button type="submit">Sign in</button>');
    expect(page).toContain('<label for="username">');
    expect(page).toContain('DEV AND TEST ONLY');
  });

  it('accepts any loopback callback origin by default and refuses other redirect URIs', async () => {
    const other = await signIn(authorizationUrl(pool.d, { redirect_uri: 'http://127.0.0.1:41234/auth/callback' }), 'alice', 'Passw0rd!');
    expect(other.searchParams.has('code')).toBe(true);
    await expect(signIn(authorizationUrl(pool.d, { redirect_uri: 'https://evil.example/auth/callback' }), 'alice', 'Passw0rd!')).rejects.toThrow(/unexpected 400/);
    await expect(signIn(authorizationUrl(pool.d, { redirect_uri: 'http://localhost:5173/other' }), 'alice', 'Passw0rd!')).rejects.toThrow(/unexpected 400/);
  });
});
