// Test helpers: a tiny OAuth client written against the wire protocol, so the tests assert what
// any client (the BFF included) would see.
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { afterAll, beforeAll } from 'vitest';
import { DEFAULT_CLIENT, DEFAULT_M2M_CLIENT, signIn, spawnEmulator, type EmulatorOptions, type SpawnedEmulator } from '../src/index.js';
import { CookieJar } from '../src/sign-in.js';

export const REDIRECT_URI = 'http://localhost:5173/auth/callback';
export const basic = `Basic ${Buffer.from(`${DEFAULT_CLIENT.clientId}:${DEFAULT_CLIENT.clientSecret}`).toString('base64')}`;

export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  revocation_endpoint: string;
  jwks_uri: string;
  [key: string]: unknown;
}

export async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`discovery ${res.status}`);
  return (await res.json()) as Discovery;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizationUrl(d: Discovery, extra: Record<string, string> = {}): URL {
  const url = new URL(d.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: DEFAULT_CLIENT.clientId,
    response_type: 'code',
    scope: 'openid email profile',
    redirect_uri: REDIRECT_URI,
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    ...extra,
  }).toString();
  return url;
}

export interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
}

export async function tokenRequest(d: Discovery, params: Record<string, string>, init: RequestInit = {}): Promise<TokenResponse> {
  const res = await fetch(d.token_endpoint, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
    ...init,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Signs `username` in (PKCE S256) and exchanges the code; returns the token response body. */
export async function login(d: Discovery, username = 'alice'): Promise<Record<string, string>> {
  const { verifier, challenge } = pkce();
  const callback = await signIn(authorizationUrl(d, { code_challenge: challenge, code_challenge_method: 'S256' }), username, 'Passw0rd!');
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback.href}`);
  const res = await tokenRequest(d, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  if (res.status !== 200) throw new Error(`code exchange ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, string>;
}

export function refresh(d: Discovery, refreshToken: string): Promise<TokenResponse> {
  return tokenRequest(d, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

export const m2mBasic = `Basic ${Buffer.from(`${DEFAULT_M2M_CLIENT.clientId}:${DEFAULT_M2M_CLIENT.clientSecret}`).toString('base64')}`;

/** A client_credentials request, as the default M2M client unless `authorization` says otherwise. */
export function clientCredentials(d: Discovery, params: Record<string, string> = {}, authorization = m2mBasic): Promise<TokenResponse> {
  return tokenRequest(d, { grant_type: 'client_credentials', ...params }, { headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' } });
}

export async function verify(d: Discovery, token: string): Promise<{ payload: JWTPayload; header: ReturnType<typeof decodeProtectedHeader> }> {
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(d.jwks_uri)), { issuer: d.issuer, algorithms: ['RS256'] });
  return { payload, header: decodeProtectedHeader(token) };
}

/** A browser-like client with a cookie jar that follows nothing on its own. */
export function browser() {
  const jar = new CookieJar();
  return {
    jar,
    async get(url: string | URL, init: RequestInit = {}): Promise<Response> {
      const target = new URL(url);
      const cookie = jar.header(target);
      const res = await fetch(target, { ...init, redirect: 'manual', headers: { ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string> | undefined) } });
      jar.store(res.headers.getSetCookie());
      return res;
    },
  };
}

/**
 * A spawned emulator for the enclosing `describe`, discovered once: read `pool.idp` and `pool.d`
 * inside the tests. Stopped after the block.
 */
export function useEmulator(opts?: EmulatorOptions): { idp: SpawnedEmulator; d: Discovery } {
  const pool = {} as { idp: SpawnedEmulator; d: Discovery };
  beforeAll(async () => {
    pool.idp = await spawnEmulator(opts);
    pool.d = await discover(pool.idp.issuer);
  });
  afterAll(() => pool.idp?.stop());
  return pool;
}

export type Browser = ReturnType<typeof browser>;

/** Where an authorization request ended: straight back at the client (silent) or at the sign-in form. */
export type AuthorizeOutcome = { kind: 'callback'; callback: URL } | { kind: 'form'; login: URL };

/**
 * Sends `b` to `url` and follows the emulator's own redirects until it leaves the emulator (the
 * client's callback) or lands on the sign-in form.
 */
export async function authorize(b: Browser, url: URL): Promise<AuthorizeOutcome> {
  let next = url;
  for (let step = 0; step < 10; step += 1) {
    const res = await b.get(next);
    const location = res.headers.get('location');
    if (!location) {
      await res.arrayBuffer();
      throw new Error(`authorize: ${res.status} without a redirect at ${next.pathname}`);
    }
    await res.arrayBuffer();
    const target = new URL(location, next);
    if (target.origin !== url.origin) return { kind: 'callback', callback: target };
    if (target.pathname.startsWith('/login/')) return { kind: 'form', login: target };
    next = target;
  }
  throw new Error('authorize: too many redirects');
}

/** Fills in the sign-in form at `login` as `username` and follows through to the client's callback. */
export async function submitSignIn(b: Browser, login: URL, username = 'alice'): Promise<URL> {
  await (await b.get(login)).text();
  const posted = await b.get(login, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: 'Passw0rd!' }).toString(),
  });
  await posted.arrayBuffer();
  const outcome = await authorize(b, new URL(posted.headers.get('location')!, login));
  if (outcome.kind !== 'callback') throw new Error('submitSignIn: the form came back');
  return outcome.callback;
}

/** Signs in through `b` (the form if needed) and exchanges the code as `client`; returns the token response. */
export async function signInAndExchange(
  b: Browser,
  d: Discovery,
  opts: { username?: string; clientId?: string; clientSecret?: string; extra?: Record<string, string> } = {},
): Promise<{ tokens: Record<string, string>; silent: boolean }> {
  const clientId = opts.clientId ?? DEFAULT_CLIENT.clientId;
  const outcome = await authorize(b, authorizationUrl(d, { client_id: clientId, ...opts.extra }));
  const callback = outcome.kind === 'callback' ? outcome.callback : await submitSignIn(b, outcome.login, opts.username);
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback.href}`);
  const secret = opts.clientSecret ?? DEFAULT_CLIENT.clientSecret;
  const res = await tokenRequest(d, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, {
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (res.status !== 200) throw new Error(`code exchange ${res.status} ${JSON.stringify(res.body)}`);
  return { tokens: res.body as Record<string, string>, silent: outcome.kind === 'callback' };
}
