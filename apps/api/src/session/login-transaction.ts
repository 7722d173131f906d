import * as oidc from 'openid-client';
import { z } from 'zod';

/** What the login step remembers for the callback, kept in the pre-login express-session. */
export const loginTransactionSchema = z.object({
  state: z.string(),
  nonce: z.string(),
  codeVerifier: z.string(),
  returnTo: z.string(),
  createdAt: z.number(),
  /** `max_age` asked of the IdP (step-up): the callback refuses an ID token whose `auth_time` is older. */
  maxAge: z.number().int().nonnegative().optional(),
});

/** One pending sign-in (one per tab that started one). */
export type LoginTransaction = z.infer<typeof loginTransactionSchema>;

/** Pending sign-ins older than this are dropped; an anonymous session document lives no longer. */
export const LOGIN_TRANSACTION_TTL_MS = 10 * 60 * 1000;
/** Sign-ins one browser may have pending (tabs that started one); the oldest goes first. Bounds the document to ~2 KB. */
export const MAX_PENDING_LOGINS = 3;

/** Starts a sign-in: fresh random state, nonce and PKCE verifier. */
export function newLoginTransaction(returnTo: string, now = Date.now(), maxAge?: number): LoginTransaction {
  return {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    codeVerifier: oidc.randomPKCECodeVerifier(),
    returnTo,
    createdAt: now,
    ...(maxAge !== undefined ? { maxAge } : {}),
  };
}

/** Adds a transaction to the pending ones, keeping only the newest few that have not expired. */
export function addPending(pending: unknown, tx: LoginTransaction, now = Date.now()): LoginTransaction[] {
  return [...readPending(pending, now), tx].slice(-MAX_PENDING_LOGINS);
}

/** Finds (and separates out) the pending transaction for `state`; a used state is gone afterwards. */
export function takePending(pending: unknown, state: unknown, now = Date.now()) {
  const valid = readPending(pending, now);
  const match = typeof state === 'string' ? valid.find((t) => t.state === state) : undefined;
  return { match, rest: valid.filter((t) => t !== match) };
}

function readPending(pending: unknown, now: number): LoginTransaction[] {
  const parsed = z.array(loginTransactionSchema).safeParse(pending);
  return parsed.success ? parsed.data.filter((t) => now - t.createdAt < LOGIN_TRANSACTION_TTL_MS) : [];
}
