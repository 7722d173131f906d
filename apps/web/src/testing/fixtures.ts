import type { ProblemDetails, SessionResponse } from '@app/shared-types';
import { PROBLEM_CONTENT_TYPE } from '@app/shared-types';
import { HttpResponse } from 'msw';

type SignedIn = Extract<SessionResponse, { authenticated: true }>;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A signed-in session whose token has 15 minutes left and whose session has 8 hours. */
export function signedInSession(overrides: Partial<SignedIn> = {}): SignedIn {
  return {
    authenticated: true,
    user: {
      sub: '3f1c2a9e-5b7d-4e11-9c0a-6d2b8e4f7a10',
      username: 'ada',
      email: 'ada@example.com',
      emailVerified: true,
      name: 'Ada Lovelace',
      groups: ['admins', 'analysts'],
    },
    accessTokenExpiresAt: nowSeconds() + 15 * 60,
    sessionExpiresAt: nowSeconds() + 8 * 3600,
    ...overrides,
  };
}

export const signedOut: SessionResponse = { authenticated: false };

/** A problem+json response as the BFF sends it. */
export function problem(status: number, code: ProblemDetails['code'], title: string, detail?: string) {
  const body: ProblemDetails = { type: 'about:blank', title, status, code, ...(detail ? { detail } : {}) };
  return HttpResponse.json(body, { status, headers: { 'content-type': PROBLEM_CONTENT_TYPE } });
}

/** What the demo upstream answers to GET /api/hello. */
export function upstreamEcho() {
  const issuedAt = nowSeconds() - 60;
  return {
    message: 'Hello from the demo upstream',
    claims: {
      sub: '3f1c2a9e-5b7d-4e11-9c0a-6d2b8e4f7a10',
      username: 'ada',
      client_id: 'local-client',
      scope: 'openid email profile',
      groups: ['admins', 'analysts'],
      token_use: 'access',
    },
    token: { issuedAt, expiresAt: issuedAt + 3600, secondsRemaining: 3540 },
    request: { method: 'GET', path: '/hello', query: {}, receivedCookies: false },
    servedAt: new Date().toISOString(),
  };
}
