import { describe, expect, it } from 'vitest';
import { spawnEmulator } from '../src/index.js';
import { authorize, authorizationUrl, browser, REDIRECT_URI, refresh, submitSignIn, tokenRequest, useEmulator, type Browser } from './support.js';

describe('/logout', () => {
  const pool = useEmulator();

  /** Signs alice in through the form with `b`'s cookie jar; returns the code. */
  async function signInWith(b: Browser): Promise<string> {
    const outcome = await authorize(b, authorizationUrl(pool.d));
    expect(outcome.kind).toBe('form');
    const callback = await submitSignIn(b, (outcome as { login: URL }).login);
    return callback.searchParams.get('code')!;
  }

  it('ends the hosted-UI session and redirects to the logout URI; refresh tokens stay valid', async () => {
    const b = browser();
    const code = await signInWith(b);
    const tokens = await tokenRequest(pool.d, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });

    // Signed in at the IdP: a new authorization request goes straight back to the client.
    const sso = await b.get(authorizationUrl(pool.d));
    const ssoTarget = new URL(sso.headers.get('location')!, pool.idp.url);
    expect(`${ssoTarget.origin}${ssoTarget.pathname}`).toBe(REDIRECT_URI);
    expect(ssoTarget.searchParams.has('code')).toBe(true);

    const out = await b.get(`${pool.idp.url}/logout?client_id=local-client&logout_uri=${encodeURIComponent('http://localhost:5173/')}`);
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('http://localhost:5173/');

    const again = await b.get(authorizationUrl(pool.d));
    expect(new URL(again.headers.get('location')!, pool.idp.url).pathname).toMatch(/^\/login\//);

    expect((await refresh(pool.d, tokens.body.refresh_token as string)).status).toBe(200);
  });

  it('refuses an unknown client or an unregistered logout URI with a 400 page', async () => {
    const bad = [
      '/logout?client_id=nope&logout_uri=http%3A%2F%2Flocalhost%3A5173%2F',
      '/logout?client_id=local-client&logout_uri=https%3A%2F%2Fevil.example%2F',
      '/logout?client_id=local-client&logout_uri=http%3A%2F%2Flocalhost%3A5173%2Fother',
      '/logout?client_id=local-client',
      '/logout',
    ];
    for (const path of bad) {
      const res = await fetch(`${pool.idp.url}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('honours exact logout URI lists when a client registers them', async () => {
    const strict = await spawnEmulator({
      clients: [{ clientId: 'strict', clientSecret: 's', redirectUris: ['http://app.test/cb'], logoutUris: ['http://app.test/bye'] }],
    });
    try {
      const ok = await fetch(`${strict.url}/logout?client_id=strict&logout_uri=${encodeURIComponent('http://app.test/bye')}`, { redirect: 'manual' });
      expect(ok.status).toBe(302);
      const loopback = await fetch(`${strict.url}/logout?client_id=strict&logout_uri=${encodeURIComponent('http://localhost:5173/')}`, { redirect: 'manual' });
      expect(loopback.status).toBe(400);
    } finally {
      await strict.stop();
    }
  });
});
