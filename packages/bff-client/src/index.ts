/**
 * `@app/bff-client`: a typed client of the Cognito BFF for any JavaScript runtime.
 * @see ../README.md
 */
export { createBffClient, type BffClient, type BffClientOptions, type CallOptions } from './client.js';
export { BffError, errorFromResponse, isBffError, isProblemResponse, type BffErrorCode, type ClientErrorCode } from './errors.js';
export { LOGIN_PATH, signInUrl, type LoginQuery, type SignInOptions } from './sign-in.js';
export type { components, operations, paths } from './generated/openapi.js';
export {
  LIVE_CLOSE_CODES,
  REFRESH_ACCESS_TOKEN_ERROR,
  type ErrorCode,
  type LogoutRequest,
  type LogoutResponse,
  type ProblemDetails,
  type SessionInfo,
  type SessionListResponse,
  type SessionResponse,
  type SessionUser,
} from '@app/shared-types';
