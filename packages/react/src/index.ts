/**
 * `@app/react`: the Cognito BFF in a React app, on TanStack Query (the app's own QueryClient).
 * The page never sees a token: the BFF holds them, the browser holds one HttpOnly cookie.
 * @see ../README.md
 */
export { BffClientProvider, useBffClient } from './client-context.js';
export { bffQueryKeys, invalidateSessionOn401 } from './query-keys.js';
export {
  ACCESS_TOKEN_LEAD_MS,
  EXPIRED_POLL_MS,
  nextSessionRefetch,
  sessionQueryOptions,
  useSession,
  type SessionStatus,
  type SignedInSession,
  type UseSessionResult,
} from './session.js';
export { signIn, signOut, useSignOut, type SignInOptions, type SignOutOptions } from './auth.js';
export { apiFetch, createApiClient, useApiClient, type ApiClient } from './api-client.js';
export { sessionsQueryOptions, useEndSession, useSessions } from './sessions.js';
export {
  DEFAULT_RECONNECT,
  liveSocketUrl,
  reconnectDelay,
  useLiveSocket,
  type LiveSocket,
  type LiveSocketOptions,
  type LiveSocketStatus,
  type ReconnectPolicy,
} from './live-socket.js';
export { BffError, createBffClient, isBffError, type BffClient, type BffClientOptions, type BffErrorCode } from '@app/bff-client';
export { LIVE_CLOSE_CODES, REFRESH_ACCESS_TOKEN_ERROR, type ErrorCode, type SessionInfo, type SessionListResponse, type SessionResponse, type SessionUser } from '@app/shared-types';
