// Drives the hosted-UI sign-in over plain HTTP, the way a browser would, for tests without one.

/** A minimal cookie jar: name, value and path are all the emulator's cookies need. */
export class CookieJar {
  readonly #cookies = new Map<string, { value: string; path: string }>();

  /** Records the `Set-Cookie` headers of a response. */
  store(setCookies: string[]): void {
    for (const header of setCookies) {
      const [pair = '', ...attributes] = header.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (key: string) =>
        attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const path = attr('path') ?? '/';
      const expires = attr('expires');
      const maxAge = attr('max-age');
      const expired = (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= Date.now());
      const key = `${name};${path}`;
      if (expired || value === '') this.#cookies.delete(key);
      else this.#cookies.set(key, { value, path });
    }
  }

  /** The `Cookie` header to send to `url`. */
  header(url: URL): string {
    return [...this.#cookies]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([key, c]) => `${key.slice(0, key.indexOf(';'))}=${c.value}`)
      .join('; ');
  }
}

const MAX_STEPS = 20;

function sameEndpoint(a: URL, b: URL): boolean {
  return a.origin === b.origin && a.pathname === b.pathname;
}

/**
 * Signs `username` in through the emulator's HTML sign-in form, starting at an authorization URL
 * and following redirects (with its own cookie jar) until the redirect to the client's
 * redirect_uri, which it returns without following: it carries `code` and `state`, or `error`.
 * Throws when the credentials are rejected or the emulator answers something unexpected.
 */
export async function signIn(
  authorizationUrl: string | URL,
  username: string,
  password: string,
  /** The browser's cookies at the emulator: pass the same jar again to reuse its hosted-UI session (a silent sign-in). */
  jar = new CookieJar(),
): Promise<URL> {
  let url = new URL(authorizationUrl);
  const start = url;
  const redirectUri = url.searchParams.get('redirect_uri');
  const target = redirectUri ? new URL(redirectUri) : undefined;
  let init: RequestInit = { method: 'GET' };
  let submitted = false;

  for (let step = 0; step < MAX_STEPS; step += 1) {
    const cookie = jar.header(url);
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string> | undefined), ...(cookie ? { cookie } : {}) },
    });
    jar.store(res.headers.getSetCookie());

    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      const next = new URL(location, url);
      if (target ? sameEndpoint(next, target) : next.origin !== start.origin) return next;
      url = next;
      init = { method: 'GET' };
      continue;
    }

    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/i.exec(html)?.[1];
    if (res.status === 200 && action && /name="username"/.test(html)) {
      if (submitted) {
        const message = /role="alert"[^>]*>([^<]*)</.exec(html)?.[1] ?? 'sign-in rejected';
        throw new Error(`signIn: the emulator rejected the credentials of "${username}": ${message}`);
      }
      submitted = true;
      url = new URL(action.replace(/&amp;/g, '&'), url);
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username, password }).toString(),
      };
      continue;
    }
    throw new Error(`signIn: unexpected ${res.status} from ${url.origin}${url.pathname}: ${html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300)}`);
  }
  throw new Error(`signIn: no redirect to the client after ${MAX_STEPS} steps`);
}
