// OpenID Connect Back-Channel Logout 1.0, sent by oidc-provider's own feature
// (Client#backchannelLogout signs the logout token and POSTs it). Cognito sends none; this is
// here so a relying party's receiver can be tested against a real provider.
// @see https://openid.net/specs/openid-connect-backchannel-1_0.html
import { AsyncLocalStorage } from 'node:async_hooks';
import { decodeJwt } from 'jose';
import type { SessionInstance } from 'oidc-provider';
import type { BackchannelDelivery } from './options.js';
import type { Runtime } from './runtime.js';

type Fetch = (url: string, init: RequestInit & { dispatcher?: unknown }) => Promise<Response>;

/** Deliveries made inside one `collect()` call; AsyncLocalStorage carries it through oidc-provider. */
const collector = new AsyncLocalStorage<BackchannelDelivery[]>();

/**
 * How long a receiver may take. oidc-provider's own limit is 2.5 s; a sign-out that waits for a
 * hung receiver should not wait that long in development.
 */
export const BACKCHANNEL_TIMEOUT_MS = 1500;

/** What a logout-token POST says about itself, read from the token it carries; undefined for other requests. */
function deliveryOf(url: string, body: unknown): Omit<BackchannelDelivery, 'status'> | undefined {
  if (!(body instanceof URLSearchParams)) return undefined;
  const token = body.get('logout_token');
  if (!token) return undefined;
  const claims = decodeJwt(token);
  const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  return {
    clientId: String(aud),
    uri: url,
    ...(typeof claims.sid === 'string' ? { sid: claims.sid } : {}),
    sub: String(claims.sub),
    jti: String(claims.jti),
  };
}

/**
 * oidc-provider's `fetch` option. Its default dispatcher refuses special-use addresses (SSRF
 * protection), which is every loopback receiver a developer runs; the emulator is dev-only and
 * talks only to URIs its own options registered, so it drops that dispatcher. Every logout-token
 * delivery is counted and reported to the enclosing {@link collectDeliveries}.
 */
export function backchannelFetch(rt: Pick<Runtime, 'state'>): Fetch {
  return async (url, init) => {
    const { dispatcher: _ssrfGuard, ...rest } = init;
    const delivery = deliveryOf(url, rest.body);
    const request = fetch(url, { ...rest, signal: AbortSignal.timeout(BACKCHANNEL_TIMEOUT_MS) });
    if (!delivery) return request;
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await request;
      status = res.status;
      return res;
    } catch (err) {
      error = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw err;
    } finally {
      rt.state.updateStats((s) => {
        s.backchannelLogouts += 1;
        if (status !== 200 && status !== 204) s.backchannelLogoutFailures += 1;
      });
      collector.getStore()?.push({ ...delivery, status, ...(error === undefined ? {} : { error }) });
    }
  };
}

/**
 * Sends a logout token to every client of `session` that registered a back-channel URI, as
 * oidc-provider's end_session does; a failed delivery is recorded, never thrown.
 */
export async function sendBackchannelLogouts(rt: Runtime, session: SessionInstance): Promise<void> {
  const accountId = session.accountId;
  if (!accountId) return;
  await Promise.all(
    Object.keys(session.authorizations ?? {}).map(async (clientId) => {
      const client = await rt.provider.Client.find(clientId);
      if (!client?.backchannelLogoutUri) return;
      await client.backchannelLogout(accountId, session.sidFor(clientId)).catch(() => undefined);
    }),
  );
}

/** Runs `work` and returns every back-channel delivery it made. */
export async function collectDeliveries(work: () => Promise<void>): Promise<BackchannelDelivery[]> {
  const deliveries: BackchannelDelivery[] = [];
  await collector.run(deliveries, work);
  return deliveries;
}

/**
 * Ends every IdP session of the user `sub` (what an admin's global sign-out would do at an IdP
 * that sends back-channel logout) and resolves with the deliveries made.
 */
export function endSessionsOf(rt: Runtime, sub: string): Promise<BackchannelDelivery[]> {
  return collectDeliveries(async () => {
    const ids = rt.state
      .payloadsOf('Session')
      .filter((p) => p.accountId === sub && typeof p.jti === 'string')
      .map((p) => p.jti as string);
    await Promise.all(
      ids.map(async (id) => {
        const session = await rt.provider.Session.find(id);
        if (!session) return;
        await sendBackchannelLogouts(rt, session);
        await session.destroy();
      }),
    );
  });
}

/** Whether any client registered a back-channel logout URI (then discovery says so). */
export function backchannelAdvertised(rt: Pick<Runtime, 'options'>): boolean {
  return rt.options.clients.some((c) => c.backchannelLogoutUri !== undefined);
}
