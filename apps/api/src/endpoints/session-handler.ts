import type { IncomingMessage, ServerResponse } from 'node:http';
import { REFRESH_ACCESS_TOKEN_ERROR, type SessionResponse } from '@app/shared-types';
import type { Config } from '../config/config.js';
import type { Tracing } from '../telemetry/request-span.js';
import type { RefreshCoordinator } from '../tokens/refresh-coordinator.js';
import type { SessionLookupDeps } from '../session/session-lookup.js';
import { sendJson } from '../http/problem.js';
import { traceOf } from '../telemetry/request-trace.js';
import { SESSION_READ_ATTRIBUTES, SESSION_READ_SPAN } from '../telemetry/spans.js';
import type { TokenRecord } from '../tokens/token-record.js';
import { cookieCleared, type CookieUpdate } from '../session/cookie.js';
import { lookupSession } from '../session/session-lookup.js';

/** What `GET /session` needs: the session lookup, the refresher, tracing. */
export interface SessionHandlerDeps extends SessionLookupDeps {
  refresher: Pick<RefreshCoordinator, 'ensureFresh'>;
  tracing: Pick<Tracing, 'enabled' | 'child'>;
  config: SessionLookupDeps['config'] & Config;
}

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * `GET /session`: who is signed in. Refreshes first when the access token is (nearly) expired,
 * through the same coordinator as the proxy; a passing IdP failure keeps the session and says so.
 */
export async function handleSession(deps: SessionHandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const found = await deps.tracing.child(req, SESSION_READ_SPAN, SESSION_READ_ATTRIBUTES, () => lookupSession(deps, req));
  if (found.kind === 'anonymous') return anonymous(res, found.cookie);
  const result = await deps.refresher.ensureFresh(found.sid, found.current, traceOf(req));
  switch (result.kind) {
    case 'fresh':
      return sendJson(res, 200, signedIn(result.current.record), headers(found.cookie));
    case 'error':
      if (result.code === 'idp_unavailable') {
        const record = (result.current ?? found.current).record;
        return sendJson(res, 200, { ...signedIn(record), error: REFRESH_ACCESS_TOKEN_ERROR }, headers(found.cookie));
      }
      return anonymous(res, cookieCleared(deps.config));
    case 'none':
      return anonymous(res, cookieCleared(deps.config));
  }
}

function anonymous(res: ServerResponse, cookie: CookieUpdate | undefined) {
  const body: SessionResponse = { authenticated: false };
  sendJson(res, 200, body, headers(cookie));
}

/** `no-store`, and the cookie the lookup decided on (cleared, or re-signed after a secret rotation). */
function headers(cookie: CookieUpdate | undefined): Record<string, string> {
  return cookie ? { ...NO_STORE, 'set-cookie': cookie.setCookie } : NO_STORE;
}

function signedIn(record: TokenRecord): SessionResponse {
  return {
    authenticated: true,
    user: record.user,
    accessTokenExpiresAt: record.accessTokenExpiresAt,
    sessionExpiresAt: record.sessionExpiresAt,
  };
}
