/**
 * The CDK app's settings: context values (`-c name=value` or cdk.json's "context"), each parsed,
 * defaulted and validated once, every problem listed together, as the API does with its
 * environment (apps/api/src/config/config.ts).
 */

/** `mfa` context value: Cognito's MFA configuration of the pool. */
export type MfaMode = 'off' | 'optional' | 'required';

/** Everything the stack is built from. */
export interface BffPoolSettings {
  /** The BFF's `PUBLIC_URL`: the callback is `${publicUrl}/auth/callback`, the sign-out page `${publicUrl}/`. */
  publicUrl: string;
  /** Prefix of the pool's Cognito domain (`<prefix>.auth.<region>.amazoncognito.com`), unique per region. */
  domainPrefix: string;
  mfa: MfaMode;
  /** Groups created in the pool (`cognito:groups`, the route table's `groups`). */
  groups: string[];
  /** Whether anyone may sign up on the hosted pages (off: users are created by an administrator). */
  selfSignUp: boolean;
  /** Identifier of the resource server: scopes read `<resourceServerId>/<scope>`. */
  resourceServerId: string;
  /** Scopes that `client` routes ask for (the BFF's machine-to-machine client may ask for them). */
  apiScopes: string[];
  /** The scope of `ADMIN_SCOPE` (ending a user's sessions from a back end). */
  adminScope: string;
  accessTokenMinutes: number;
  idTokenMinutes: number;
  refreshTokenDays: number;
  /** Refresh-token rotation's grace period: how long a just-rotated refresh token may still be redeemed (0-60 s). */
  rotationGraceSeconds: number;
}

/** Thrown when the context is not a valid configuration; lists every problem at once. */
export class SettingsError extends Error {
  readonly code = 'invalid_context';
  constructor(readonly problems: string[]) {
    super(`Invalid context:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const SCOPE_NAME = /^[\w.:-]+$/;
const GROUP_NAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
// Cognito refuses these words in a domain prefix
const RESERVED_IN_PREFIX = /aws|amazon|cognito/;

/** Reads one context value as a string (cdk.json may hold numbers and booleans). */
type Context = (name: string) => unknown;

function text(ctx: Context, name: string): string | undefined {
  const v = ctx(name);
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

function list(value: string | undefined, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function integer(ctx: Context, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = text(ctx, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name}: must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

/** `app.example.com` → `bff-app-example-com`: a default prefix that is likely unique in the region. */
function prefixFrom(url: URL): string {
  return `bff-${url.hostname.replace(/[^a-z0-9]+/g, '-')}`.replace(/-+$/, '').slice(0, 63);
}

/**
 * Validates the context once, at synthesis, and returns the stack's settings; throws a
 * {@link SettingsError} listing every missing or invalid value.
 */
export function readSettings(ctx: Context): BffPoolSettings {
  const problems: string[] = [];
  const rawUrl = text(ctx, 'publicUrl');
  let publicUrl = 'https://app.example.com';
  let url: URL | undefined;
  if (rawUrl === undefined) problems.push('publicUrl: required (-c publicUrl=https://app.example.com), the BFF\'s PUBLIC_URL');
  else if (!URL.canParse(rawUrl)) problems.push('publicUrl: must be an absolute URL');
  else {
    url = new URL(rawUrl);
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) problems.push('publicUrl: must be an origin only (no path, query, fragment or credentials)');
    else if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) problems.push('publicUrl: must use https:// (Cognito accepts http:// callback URLs only on localhost)');
    else if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push('publicUrl: must use https://');
    publicUrl = url.origin;
  }

  let domainPrefix = text(ctx, 'domainPrefix');
  if (domainPrefix === undefined && url && LOOPBACK.has(url.hostname)) {
    problems.push('domainPrefix: required when publicUrl is on localhost (the prefix must be unique in the region)');
  }
  domainPrefix ??= url ? prefixFrom(url) : 'bff-app';
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domainPrefix)) problems.push('domainPrefix: lower-case letters, digits and hyphens, 1-63 characters, not starting or ending with a hyphen');
  else if (RESERVED_IN_PREFIX.test(domainPrefix)) problems.push('domainPrefix: may not contain "aws", "amazon" or "cognito"');

  const mfa = text(ctx, 'mfa') ?? 'optional';
  if (mfa !== 'off' && mfa !== 'optional' && mfa !== 'required') problems.push('mfa: must be off, optional or required');

  const groups = list(text(ctx, 'groups'), ['admins']);
  for (const g of groups) if (!GROUP_NAME.test(g)) problems.push(`groups: "${g}" is not a valid group name`);

  const selfSignUp = text(ctx, 'selfSignUp') ?? 'false';
  if (selfSignUp !== 'true' && selfSignUp !== 'false') problems.push('selfSignUp: must be true or false');

  const resourceServerId = text(ctx, 'resourceServerId') ?? 'bff';
  if (!/^[\w.:/-]{1,256}$/.test(resourceServerId)) problems.push('resourceServerId: letters, digits and _ . : / - only');
  const apiScopes = list(text(ctx, 'apiScopes'), ['read']);
  const adminScope = text(ctx, 'adminScope') ?? 'admin';
  for (const s of [...apiScopes, adminScope]) if (!SCOPE_NAME.test(s)) problems.push(`apiScopes/adminScope: "${s}" is not a valid scope name`);
  if (apiScopes.length === 0) problems.push('apiScopes: at least one scope for `client` routes');
  if (apiScopes.includes(adminScope)) problems.push('adminScope: must differ from every apiScopes entry (the BFF\'s own client must not hold it)');

  // Cognito's limits: access and ID tokens 5 min-1 day, refresh tokens 1 h-10 years, grace 0-60 s
  const accessTokenMinutes = integer(ctx, 'accessTokenMinutes', 15, 5, 1440, problems);
  const idTokenMinutes = integer(ctx, 'idTokenMinutes', 15, 5, 1440, problems);
  const refreshTokenDays = integer(ctx, 'refreshTokenDays', 30, 1, 3650, problems);
  const rotationGraceSeconds = integer(ctx, 'rotationGraceSeconds', 10, 0, 60, problems);

  if (problems.length > 0) throw new SettingsError(problems);
  return {
    publicUrl,
    domainPrefix,
    mfa: mfa as MfaMode,
    groups,
    selfSignUp: selfSignUp === 'true',
    resourceServerId,
    apiScopes,
    adminScope,
    accessTokenMinutes,
    idTokenMinutes,
    refreshTokenDays,
    rotationGraceSeconds,
  };
}
