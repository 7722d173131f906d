// Public option types and the defaults that make the emulator look like a fresh Cognito user pool.
import type { JWK } from 'jose';

/** A user seeded into the emulated user pool. */
export interface SeedUser {
  sub: string;
  username: string;
  password: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  groups: string[];
}

/** An app client. `undefined` URI lists mean: any loopback origin (`/auth/callback`, logout `/`). */
export interface EmulatorClient {
  clientId: string;
  clientSecret?: string;
  redirectUris?: string[];
  logoutUris?: string[];
}

/** Options of {@link startEmulator} and {@link spawnEmulator}. */
export interface EmulatorOptions {
  /** 0 = random. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Cognito form `<region>_<id>`; defaults to `local-1_Emulator`. */
  poolId?: string;
  clients?: EmulatorClient[];
  users?: SeedUser[];
  accessTokenTtlSeconds?: number;
  idTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  rotateRefreshTokens?: boolean;
}

/** Counters exposed at `GET /__emulator/stats`. */
export interface EmulatorStats {
  grants: Record<'authorization_code' | 'refresh_token', number>;
  tokenRequests: Record<'authorization_code' | 'refresh_token', number>;
  revocations: number;
  refreshTokenReuse: number;
}

/** Fault injection at the token endpoint, set with `POST /__emulator/behaviour`. */
export interface EmulatorBehaviour {
  tokenDelayMs?: number;
  tokenFailureStatus?: number | null;
}

/**
 * What a child process started by {@link spawnEmulator} receives on top of the public options,
 * so a restart keeps the signing key, the cookie keys and the adapter state. Not exported.
 */
export interface InternalOptions extends EmulatorOptions {
  signingKey?: JWK;
  cookieKeys?: string[];
  stateFile?: string;
}

/** Seeded users: `alice` (admins, readers) and `bob` (readers), both with password `Passw0rd!`. */
export const DEFAULT_USERS: SeedUser[] = [
  {
    sub: '3f6b2c1e-8d4a-4b7e-9c2f-5a1d0e7b6c41',
    username: 'alice',
    password: 'Passw0rd!',
    email: 'alice@example.com',
    emailVerified: true,
    name: 'Alice Example',
    groups: ['admins', 'readers'],
  },
  {
    sub: '8a0d4f9b-2e6c-4d1a-b7e3-6c9f1a2b3d58',
    username: 'bob',
    password: 'Passw0rd!',
    email: 'bob@example.com',
    emailVerified: true,
    name: 'Bob Example',
    groups: ['readers'],
  },
];

/** The default confidential app client (`client_secret_basic`, `client_secret_post` accepted too). */
export const DEFAULT_CLIENT: Required<Pick<EmulatorClient, 'clientId' | 'clientSecret'>> = {
  clientId: 'local-client',
  clientSecret: 'local-secret',
};

export const DEFAULT_POOL_ID = 'local-1_Emulator';
export const DEFAULT_HOST = '127.0.0.1';

/** Options with every default applied, as the server uses them. */
export interface ResolvedOptions {
  port: number;
  host: string;
  poolId: string;
  clients: EmulatorClient[];
  users: SeedUser[];
  accessTokenTtlSeconds: number;
  idTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  rotateRefreshTokens: boolean;
  signingKey: JWK | undefined;
  cookieKeys: string[] | undefined;
  stateFile: string | undefined;
}

const POOL_ID = /^[\w-]+_[0-9A-Za-z]+$/;

function positiveSeconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive integer number of seconds, got ${String(value)}`);
  }
  return value;
}

/** Applies the defaults and rejects options that would start a pool Cognito could not have. */
export function resolveOptions(opts: InternalOptions = {}): ResolvedOptions {
  const poolId = opts.poolId ?? DEFAULT_POOL_ID;
  if (!POOL_ID.test(poolId)) {
    throw new TypeError(`poolId must look like Cognito's <region>_<id>, got ${JSON.stringify(poolId)}`);
  }
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`port must be an integer between 0 and 65535, got ${String(port)}`);
  }
  const clients = opts.clients?.length ? opts.clients : [{ ...DEFAULT_CLIENT }];
  const users = opts.users?.length ? opts.users : DEFAULT_USERS;
  const accessTokenTtlSeconds = positiveSeconds('accessTokenTtlSeconds', opts.accessTokenTtlSeconds, 3600);
  return {
    port,
    host: opts.host ?? DEFAULT_HOST,
    poolId,
    clients,
    users,
    accessTokenTtlSeconds,
    idTokenTtlSeconds: positiveSeconds('idTokenTtlSeconds', opts.idTokenTtlSeconds, accessTokenTtlSeconds),
    refreshTokenTtlSeconds: positiveSeconds('refreshTokenTtlSeconds', opts.refreshTokenTtlSeconds, 30 * 24 * 3600),
    rotateRefreshTokens: opts.rotateRefreshTokens ?? false,
    signingKey: opts.signingKey,
    cookieKeys: opts.cookieKeys,
    stateFile: opts.stateFile,
  };
}
