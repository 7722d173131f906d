/**
 * Calls the protected API through the BFF's `/api/*` proxy and measures the round trip.
 * The demo upstream echoes the claims of the access token it received.
 */
import { bffQueryKeys, BffError, useApiClient, type ApiClient, type SessionResponse } from '@app/react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

/** Path the panel calls by default; any path under /api reaches the demo upstream. */
export const DEMO_API_PATH = '/api/hello';

/**
 * The routes of the dev stack's route table (scripts/dev-routes.json) the panel can call: one
 * with the user's token, one only members of `admins` may call (bob gets 403), and one the BFF
 * calls with its own machine-to-machine token (`client_id` = the M2M app client), and one that
 * needs a recent sign-in (`maxAuthAgeSeconds`: the BFF answers `step_up_required` with a `loginUrl`).
 */
export const DEMO_API_TARGETS = [
  { path: DEMO_API_PATH, label: 'Call the API', hint: 'your access token' },
  { path: '/api/admin/hello', label: 'Admins only', hint: 'needs the group admins' },
  { path: '/api/stats/hello', label: 'Service token', hint: "the BFF's client_credentials token" },
  { path: '/api/recent/payment', label: 'Recent sign-in', hint: 'needs a sign-in within the last 5 minutes: step-up' },
] as const;
/** How many calls the history keeps. */
export const HISTORY_SIZE = 5;

/** What the demo upstream says it saw; every field optional, since another upstream may differ. */
export interface UpstreamEcho {
  message?: string;
  claims?: {
    sub?: string;
    username?: string;
    client_id?: string;
    scope?: string;
    groups?: string[];
    token_use?: string;
  };
  token?: { issuedAt?: number; expiresAt?: number; secondsRemaining?: number };
  servedAt?: string;
}

/** One successful call. */
export interface ApiCallResult {
  path: string;
  status: number;
  latencyMs: number;
  body: UpstreamEcho;
  at: number;
}

/** One entry of the call history, successful or not. */
export interface ApiCallRecord {
  id: number;
  path: string;
  status: number;
  latencyMs: number;
  at: number;
  outcome: string;
}

function pick<T>(value: unknown, guard: (v: unknown) => v is T): T | undefined {
  return guard(value) ? value : undefined;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Keeps the fields of the demo upstream's answer that have the expected types. */
export function parseUpstreamEcho(body: unknown): UpstreamEcho {
  const root = asRecord(body);
  if (!root) throw new TypeError('the upstream did not answer a JSON object');
  const claims = asRecord(root.claims);
  const token = asRecord(root.token);
  return compact({
    message: pick(root.message, isString),
    servedAt: pick(root.servedAt, isString),
    claims: claims
      ? compact({
          sub: pick(claims.sub, isString),
          username: pick(claims.username, isString),
          client_id: pick(claims.client_id, isString),
          scope: pick(claims.scope, isString),
          groups: pick(claims.groups, isStrings),
          token_use: pick(claims.token_use, isString),
        })
      : undefined,
    token: token
      ? compact({
          issuedAt: pick(token.issuedAt, isNumber),
          expiresAt: pick(token.expiresAt, isNumber),
          secondsRemaining: pick(token.secondsRemaining, isNumber),
        })
      : undefined,
  });
}

/** `GET <path>` through the proxy (@app/react's API client); resolves with status, latency (ms) and the echo. */
export async function callApi(api: ApiClient, path: string = DEMO_API_PATH): Promise<ApiCallResult> {
  const startedAt = performance.now();
  const response = await api.fetch(path);
  let body: UpstreamEcho;
  try {
    body = parseUpstreamEcho(await response.json());
  } catch (cause) {
    throw new BffError({ code: 'invalid_response', status: response.status, title: 'Unexpected response', detail: `${path} answered with an unexpected body.` }, { cause });
  }
  return { path, status: response.status, latencyMs: Math.round(performance.now() - startedAt), body, at: Date.now() };
}

let nextRecordId = 1;

/**
 * The demo call as a mutation (it runs on a click, not on render), with the last
 * {@link HISTORY_SIZE} calls, failures included, newest first.
 */
export function useCallApi() {
  const [history, setHistory] = useState<ApiCallRecord[]>([]);
  const queryClient = useQueryClient();
  const api = useApiClient();
  const record = (entry: Omit<ApiCallRecord, 'id'>) =>
    setHistory((previous) => [{ ...entry, id: nextRecordId++ }, ...previous].slice(0, HISTORY_SIZE));

  const mutation = useMutation<ApiCallResult, BffError, string, { startedAt: number }>({
    mutationKey: ['demo-api', 'call'],
    mutationFn: (path) => callApi(api, path),
    onMutate: () => ({ startedAt: performance.now() }),
    onSuccess: (result) => {
      record({ path: result.path, status: result.status, latencyMs: result.latencyMs, at: result.at, outcome: 'OK' });
      // the BFF refreshed the token for this call if it had (nearly) expired: show the new expiry
      const session = queryClient.getQueryData<SessionResponse>(bffQueryKeys.session);
      if (session?.authenticated && session.accessTokenExpiresAt * 1000 <= Date.now() + 5_000) {
        void queryClient.invalidateQueries({ queryKey: bffQueryKeys.session });
      }
    },
    onError: (error, path, context) => {
      const latencyMs = context ? Math.round(performance.now() - context.startedAt) : 0;
      record({ path, status: error.status, latencyMs, at: Date.now(), outcome: error.code });
      // step-up: sign in again (the IdP asks for the password even with a live session), then come back here
      if (error.code === 'step_up_required' && error.loginUrl) window.location.assign(stepUpUrl(error.loginUrl, window.location));
    },
  });
  return { ...mutation, history };
}

/** The BFF's `loginUrl` with `returnTo` set to the page the user is on, so the sign-in brings them back to it. */
export function stepUpUrl(loginUrl: string, here: Pick<Location, 'origin' | 'pathname' | 'search'>): string {
  const url = new URL(loginUrl, here.origin);
  url.searchParams.set('returnTo', `${here.pathname}${here.search}`);
  return `${url.pathname}${url.search}`;
}

/** What {@link useCallApi} returns: the mutation plus its history. */
export type CallApiState = ReturnType<typeof useCallApi>;
