import type { Config } from '../config/config.js';
import { endSessionsRevoking, type SessionEndingDeps } from './session-ending.js';

/**
 * `MAX_SESSIONS_PER_USER`: after a sign-in, ends the user's least recently used sessions (by last
 * activity, then by age) until at most the limit is left, the new one always kept. They end like
 * a sign-out (refresh token revoked, keys and index entry gone, through SessionService.end, the one
 * path every ending takes), and since every instance reads the session from Redis on each
 * request, they read as anonymous on every instance at once. Two sign-ins of one user at the same
 * moment may each end one: the limit is never exceeded for long, but may be undershot by one.
 * Returns how many sessions it ended.
 */
export async function enforceSessionLimit(deps: SessionEndingDeps & { config: Pick<Config, 'maxSessionsPerUser'> }, sub: string, newSid: string, reqId?: string): Promise<number> {
  const max = deps.config.maxSessionsPerUser;
  if (max <= 0) return 0;
  const others = (await deps.userSessions.list(sub)).filter((s) => s.sid !== newSid);
  const excess = others.length + 1 - max;
  if (excess <= 0) return 0;
  const leastRecentlyUsed = others.sort((a, b) => a.lastSeenAt - b.lastSeenAt || a.createdAt - b.createdAt).slice(0, excess);
  await endSessionsRevoking(deps, leastRecentlyUsed.map((s) => s.sid), reqId);
  deps.logger.info({ reqId, event: 'session_ended', outcome: 'session_limit', sessions: leastRecentlyUsed.length, max }, 'session limit reached: least recently used session ended');
  return leastRecentlyUsed.length;
}
