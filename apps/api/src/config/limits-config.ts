import { integer, withDefault, type EnvOf, type SettingGroup } from './setting.js';

/** What one client may take: sign-in attempts, calls and sockets in flight, a stalled upload. */
export const limitSettings = {
  title: 'Limits',
  settings: {
    RATE_LIMIT_AUTH_PER_MINUTE: withDefault(integer(0, 1_000_000), {
      default: '60',
      doc: 'requests per minute and client IP (`req.ip`, so it follows `TRUST_PROXY`; IPv6 by /64) on `/auth/login` and, separately, on `/auth/callback`, counted in Redis across instances; `0` turns it off',
    }),
    MAX_REQUESTS_IN_FLIGHT_PER_SESSION: withDefault(integer(0, 100_000), {
      default: '64',
      doc: '`/api/*` calls one session (or bearer subject) may have in flight on one instance; past it `429 rate_limited` with `Retry-After: 1`; `0` = no limit',
    }),
    MAX_WEBSOCKETS_PER_SESSION: withDefault(integer(0, 100_000), {
      default: '10',
      doc: 'open WebSockets per session (and per client address for callers without one); a handshake beyond it answers `429 rate_limited`; a socket\'s upstream connection counts against the same limit; an IPv6 address counts by its /64; counted per instance; `0` = no limit ([websockets.md](websockets.md))',
    }),
    REQUEST_BODY_IDLE_TIMEOUT_MS: withDefault(integer(100, 10 * 60 * 1000), {
      default: '20000',
      doc: 'a client that sends nothing of its `/api/*` request body for this long gets `408 request_timeout` and its upstream connection is released',
    }),
  },
} satisfies SettingGroup;

/** The limits' part of the configuration. */
export function limitConfig(e: EnvOf<typeof limitSettings.settings>) {
  return {
    /** Requests per minute and client IP on `/auth/login` and on `/auth/callback` (each); 0 = no limit. */
    rateLimitAuthPerMinute: e.RATE_LIMIT_AUTH_PER_MINUTE,
    /** Calls to `/api/*` one session (or bearer subject) may have in flight on one instance; 0 = no limit. */
    maxRequestsInFlightPerSession: e.MAX_REQUESTS_IN_FLIGHT_PER_SESSION,
    /**
     * `MAX_WEBSOCKETS_PER_SESSION`: open WebSockets (handshakes to the upstream included) one session may
     * hold on one instance, and one client address without a session; 0 = no limit.
     */
    maxWebSocketsPerSession: e.MAX_WEBSOCKETS_PER_SESSION,
    /** A client that sends nothing of its request body for this long gets `408` (slow-upload guard). */
    requestBodyIdleTimeoutMs: e.REQUEST_BODY_IDLE_TIMEOUT_MS,
  };
}
