import { sessionUserSchema } from '@app/shared-types';
import { z } from 'zod';

/** The user a record keeps is the contract's `SessionUser` (one schema for both). */
const userSchema = sessionUserSchema;

/** What a signed-in session keeps in Redis (sealed): the tokens, their expiry, and the user. */
export const tokenRecordSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  idToken: z.string().min(1).optional(),
  /** Unix seconds, from `expires_in` at the time of the grant. */
  accessTokenExpiresAt: z.number().int(),
  /** `scope` of the token response that issued the access token (the scopes of an opaque access token). */
  scope: z.string().optional(),
  /** `expires_in` of the last grant, for the "half its lifetime" refresh rule. */
  accessTokenLifetime: z.number().int().nonnegative(),
  /** Unix seconds. */
  sessionExpiresAt: z.number().int(),
  /** Unix seconds. */
  createdAt: z.number().int(),
  user: userSchema,
  /** The ID token's `auth_time` at sign-in (unix seconds): when the user last authenticated (step-up). */
  authTime: z.number().int().optional(),
  /** The ID token's `sid`: the IdP session, which a back-channel logout token may name. */
  idpSid: z.string().optional(),
});

/** Plain token record, as sealed into Redis. */
export type TokenRecord = z.infer<typeof tokenRecordSchema>;

/** A token record with the version it was read at (for compare-and-set writes). */
export interface VersionedRecord {
  version: number;
  record: TokenRecord;
  /** Plain field `s` of the hash: unix seconds of the last recorded activity (sliding idle timeout). */
  lastSeen?: number;
  /** Set when a previous secret's key opened the record (a rotation): re-seal it (`TokenStore.reseal`). */
  sealedWithPreviousSecret?: true;
}

/** Current time in unix seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * True when the access token must be refreshed before use: it expires within `skewSeconds`,
 * or within half its lifetime when that is shorter (so a 2-minute token is not refreshed on every call).
 */
export function needsRefresh(record: TokenRecord, skewSeconds: number, now = nowSeconds()): boolean {
  return record.accessTokenExpiresAt - now <= refreshWindowSeconds(record, skewSeconds);
}

/** The refresh window's length: `REFRESH_SKEW_SECONDS`, or half the token's lifetime when that is shorter. */
export function refreshWindowSeconds(record: Pick<TokenRecord, 'accessTokenLifetime'>, skewSeconds: number): number {
  return Math.min(skewSeconds, Math.floor(record.accessTokenLifetime / 2));
}
