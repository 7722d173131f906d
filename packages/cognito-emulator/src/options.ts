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

/** The OAuth flows an app client may use; Cognito never allows both on one client. */
export type OAuthFlow = 'code' | 'client_credentials';

/**
 * An app client. `undefined` URI lists mean: any loopback origin (`/auth/callback`, logout `/`).
 * A `client_credentials` client (machine to machine) needs a secret and lists the resource-server
 * scopes it may ask for in `allowedOAuthScopes`, as a Cognito app client does.
 */
export interface EmulatorClient {
  clientId: string;
  clientSecret?: string;
  redirectUris?: string[];
  logoutUris?: string[];
  /** Default `['code']`. */
  allowedOAuthFlows?: OAuthFlow[];
  /** `client_credentials` clients: the `<resource server>/<scope>` values they may be granted. */
  allowedOAuthScopes?: string[];
  /**
   * OpenID Connect Back-Channel Logout 1.0 receiver (`backchannel_logout_uri`, with
   * `backchannel_logout_session_required`): this client's ID tokens carry `sid`, and ending an IdP
   * session POSTs a logout token here. Not a Cognito feature (Cognito sends none); for testing RPs.
   */
  backchannelLogoutUri?: string;
}

/** A resource server of the pool: its scopes are asked for as `<identifier>/<scope>`. */
export interface ResourceServer {
  identifier: string;
  scopes: string[];
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
  /** Lifetime of `client_credentials` (machine-to-machine) access tokens; default 3600. */
  clientCredentialsTtlSeconds?: number;
  /** Default {@link DEFAULT_RESOURCE_SERVERS}. */
  resourceServers?: ResourceServer[];
  idTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  rotateRefreshTokens?: boolean;
}

/** The grant types the counters track. */
export const COUNTED_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type CountedGrant = (typeof COUNTED_GRANTS)[number];

/** Counters exposed at `GET /__emulator/stats`. */
export interface EmulatorStats {
  grants: Record<CountedGrant, number>;
  tokenRequests: Record<CountedGrant, number>;
  revocations: number;
  refreshTokenReuse: number;
  /** Back-channel logout tokens POSTed (each attempt, answered or not). */
  backchannelLogouts: number;
  /** Of those, the ones not answered `200`/`204` (refused, timed out, other status). */
  backchannelLogoutFailures: number;
}

/** One back-channel logout token sent, as `POST /__emulator/backchannel-logout` reports it. */
export interface BackchannelDelivery {
  clientId: string;
  uri: string;
  /** The receiver's HTTP status; `null` when it did not answer (connection refused, timeout). */
  status: number | null;
  /** Why no status, when `status` is `null`. */
  error?: string;
  sid?: string;
  sub: string;
  jti: string;
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

/** The default machine-to-machine app client: `client_credentials` only, HTTP Basic, `stats/read` and `stats/write`. */
export const DEFAULT_M2M_CLIENT = {
  clientId: 'local-m2m-client',
  clientSecret: 'local-m2m-secret',
  allowedOAuthFlows: ['client_credentials'],
  allowedOAuthScopes: ['stats/read', 'stats/write'],
} as const satisfies EmulatorClient;

/** Resource servers of the default pool; `reports/read` exists but the default M2M client may not ask for it. */
export const DEFAULT_RESOURCE_SERVERS: ResourceServer[] = [
  { identifier: 'stats', scopes: ['read', 'write'] },
  { identifier: 'reports', scopes: ['read'] },
];

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
  clientCredentialsTtlSeconds: number;
  resourceServers: ResourceServer[];
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

/** Every `<identifier>/<scope>` value the pool's resource servers define. */
export function resourceServerScopes(servers: readonly ResourceServer[]): Set<string> {
  return new Set(servers.flatMap((rs) => rs.scopes.map((scope) => `${rs.identifier}/${scope}`)));
}

/** The flows a client may use, with the default applied. */
export function flowsOf(client: EmulatorClient): OAuthFlow[] {
  return client.allowedOAuthFlows ?? ['code'];
}

/** Rejects app clients Cognito would refuse to create. */
function checkClients(clients: readonly EmulatorClient[], servers: readonly ResourceServer[]): void {
  const known = resourceServerScopes(servers);
  for (const client of clients) {
    const flows = flowsOf(client);
    if (flows.length === 0 || flows.some((f) => f !== 'code' && f !== 'client_credentials')) {
      throw new TypeError(`client ${client.clientId}: allowedOAuthFlows must be ['code'] or ['client_credentials']`);
    }
    if (client.backchannelLogoutUri !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(client.backchannelLogoutUri);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hash) {
        throw new TypeError(`client ${client.clientId}: backchannelLogoutUri must be an absolute http(s) URL without a fragment`);
      }
      if (!flows.includes('code')) throw new TypeError(`client ${client.clientId}: backchannelLogoutUri needs the code flow (no user signs in with client_credentials)`);
    }
    if (!flows.includes('client_credentials')) continue;
    if (flows.includes('code')) throw new TypeError(`client ${client.clientId}: client_credentials cannot be combined with code`);
    if (!client.clientSecret) throw new TypeError(`client ${client.clientId}: client_credentials needs a client secret`);
    const scopes = client.allowedOAuthScopes ?? [];
    if (scopes.length === 0) throw new TypeError(`client ${client.clientId}: client_credentials needs at least one allowedOAuthScopes value`);
    const unknown = scopes.filter((s) => !known.has(s));
    if (unknown.length) throw new TypeError(`client ${client.clientId}: no resource server defines ${unknown.join(', ')}`);
  }
}

/** Fresh copies of the default app clients ({@link DEFAULT_CLIENT} and {@link DEFAULT_M2M_CLIENT}). */
export function defaultClients(): EmulatorClient[] {
  return [
    { ...DEFAULT_CLIENT },
    { ...DEFAULT_M2M_CLIENT, allowedOAuthFlows: [...DEFAULT_M2M_CLIENT.allowedOAuthFlows], allowedOAuthScopes: [...DEFAULT_M2M_CLIENT.allowedOAuthScopes] },
  ];
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
  const clients: EmulatorClient[] = opts.clients?.length ? opts.clients : defaultClients();
  const resourceServers = opts.resourceServers ?? DEFAULT_RESOURCE_SERVERS;
  checkClients(clients, resourceServers);
  const users = opts.users?.length ? opts.users : DEFAULT_USERS;
  const accessTokenTtlSeconds = positiveSeconds('accessTokenTtlSeconds', opts.accessTokenTtlSeconds, 3600);
  return {
    port,
    host: opts.host ?? DEFAULT_HOST,
    poolId,
    clients,
    users,
    accessTokenTtlSeconds,
    clientCredentialsTtlSeconds: positiveSeconds('clientCredentialsTtlSeconds', opts.clientCredentialsTtlSeconds, 3600),
    resourceServers,
    idTokenTtlSeconds: positiveSeconds('idTokenTtlSeconds', opts.idTokenTtlSeconds, accessTokenTtlSeconds),
    refreshTokenTtlSeconds: positiveSeconds('refreshTokenTtlSeconds', opts.refreshTokenTtlSeconds, 30 * 24 * 3600),
    rotateRefreshTokens: opts.rotateRefreshTokens ?? false,
    signingKey: opts.signingKey,
    cookieKeys: opts.cookieKeys,
    stateFile: opts.stateFile,
  };
}
