/**
 * Calling the BFF from Node (a back end, a CLI, a test): `/api/*` with a Cognito access token as
 * a bearer token, and `/session` and `/sessions` with a session cookie kept in a cookie jar.
 * Run it: `BFF_URL=http://localhost:3000 ACCESS_TOKEN=… SESSION_COOKIE='bff.sid=…' npx tsx examples/node-client.ts`
 */
import { createBffClient, isBffError, type SessionListResponse, type SessionResponse } from '@app/bff-client';

/** `GET /api/hello` with a bearer token: the BFF verifies it against the pool and forwards it. */
export async function callApiWithToken(bffUrl: string, accessToken: string, path = '/api/hello'): Promise<unknown> {
  const bff = createBffClient({ baseUrl: bffUrl, headers: { authorization: `Bearer ${accessToken}` } });
  const response = await bff.apiFetch(path);
  return response.json();
}

/**
 * A fetch that keeps the BFF's cookies between calls, as a browser does: it sends them back and
 * stores what `Set-Cookie` changes (the BFF re-signs the cookie after a secret rotation and clears
 * it when the session ends).
 */
export function cookieJarFetch(initialCookie?: string): { fetch: typeof fetch; cookies: Map<string, string> } {
  const cookies = new Map<string, string>();
  for (const pair of initialCookie?.split(';') ?? []) {
    const [name, ...value] = pair.trim().split('=');
    if (name) cookies.set(name, value.join('='));
  }
  const jarFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (cookies.size > 0) request.headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(request);
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const [name = '', ...value] = pair.trim().split('=');
      const cleared = value.join('') === '' || attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (cleared) cookies.delete(name);
      else cookies.set(name, value.join('='));
    }
    return response;
  };
  return { fetch: jarFetch, cookies };
}

/** `GET /session` and `GET /sessions` with the session cookie in a jar. */
export async function readMySessions(bffUrl: string, sessionCookie: string): Promise<{ session: SessionResponse; sessions: SessionListResponse | undefined }> {
  const jar = cookieJarFetch(sessionCookie);
  const bff = createBffClient({ baseUrl: bffUrl, fetch: jar.fetch });
  const session = await bff.getSession();
  if (!session.authenticated) return { session, sessions: undefined };
  try {
    return { session, sessions: await bff.listSessions() };
  } catch (error) {
    // the session can end between the two calls: the typed error says so
    if (isBffError(error, 401)) return { session: { authenticated: false }, sessions: undefined };
    throw error;
  }
}

async function main(): Promise<void> {
  const bffUrl = process.env.BFF_URL ?? 'http://localhost:3000';
  if (process.env.ACCESS_TOKEN) console.log('GET /api/hello →', await callApiWithToken(bffUrl, process.env.ACCESS_TOKEN));
  if (process.env.SESSION_COOKIE) console.log('GET /session, /sessions →', JSON.stringify(await readMySessions(bffUrl, process.env.SESSION_COOKIE), null, 2));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
