// The state one running emulator shares between its oidc-provider configuration, its koa
// middleware and its plain HTTP handlers.
import type Provider from 'oidc-provider';
import type { AccessTokenCodec } from './access-token.js';
import { COUNTED_GRANTS, type CountedGrant, type EmulatorBehaviour, type EmulatorClient, type ResolvedOptions, type SeedUser } from './options.js';
import type { EmulatorState } from './state.js';

/** Token-endpoint fault injection currently in force. */
export interface Behaviour {
  tokenDelayMs: number;
  tokenFailureStatus: number | null;
}

export interface Runtime {
  readonly options: ResolvedOptions;
  readonly issuer: string;
  readonly state: EmulatorState;
  readonly codec: AccessTokenCodec;
  readonly usersBySub: ReadonlyMap<string, SeedUser>;
  readonly clients: ReadonlyMap<string, EmulatorClient>;
  behaviour: Behaviour;
  /** Token requests received and not yet answered (`GET /__emulator/in-flight`). */
  inFlight: { tokenRequests: number };
  provider: Provider;
}

/** Narrows a `grant_type` value to a counted grant type. */
export function countedGrant(value: unknown): CountedGrant | undefined {
  return COUNTED_GRANTS.find((g) => g === value);
}

/** Validates a behaviour update (a trust boundary: it arrives as JSON over HTTP). */
export function parseBehaviour(input: unknown, current: Behaviour): Behaviour | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'body must be a JSON object';
  const b = input as EmulatorBehaviour & Record<string, unknown>;
  const unknownKeys = Object.keys(b).filter((k) => k !== 'tokenDelayMs' && k !== 'tokenFailureStatus');
  if (unknownKeys.length) return `unknown field(s): ${unknownKeys.join(', ')}`;
  const next = { ...current };
  if (b.tokenDelayMs !== undefined) {
    if (typeof b.tokenDelayMs !== 'number' || !Number.isFinite(b.tokenDelayMs) || b.tokenDelayMs < 0) {
      return 'tokenDelayMs must be a non-negative number';
    }
    next.tokenDelayMs = b.tokenDelayMs;
  }
  if (b.tokenFailureStatus !== undefined) {
    const s = b.tokenFailureStatus;
    if (s !== null && (typeof s !== 'number' || !Number.isInteger(s) || s < 500 || s > 599)) {
      return 'tokenFailureStatus must be a 5xx status code or null';
    }
    next.tokenFailureStatus = s;
  }
  return next;
}
