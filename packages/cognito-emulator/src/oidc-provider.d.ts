// The slice of oidc-provider v9 this package uses. The library ships no types; these describe
// only what the emulator touches, so a version bump that changes them fails the typecheck here.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface CookieJar {
    get(name: string, options?: Record<string, unknown>): string | undefined;
    set(name: string, value: string | null, options?: Record<string, unknown>): void;
  }

  /** What the emulator's middleware reads from a koa context. */
  export interface KoaContext {
    readonly req: IncomingMessage;
    readonly res: ServerResponse;
    readonly path: string;
    readonly method: string;
    readonly headers: IncomingMessage['headers'];
    status: number;
    body: unknown;
    readonly oidc?: OIDCContext;
    get(header: string): string;
    set(header: string, value: string): void;
    readonly response: { get(header: string): string };
  }

  export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

  export interface OIDCContext {
    readonly provider: Provider;
    readonly params?: Record<string, unknown>;
    readonly route?: string;
    readonly client?: ClientInstance;
    readonly session: SessionInstance;
    readonly requestParamScopes: Set<string>;
    readonly result?: { consent?: { grantId?: string } };
    readonly entities: {
      AccessToken?: AccessTokenInstance;
      AuthorizationCode?: { authTime?: number };
      RefreshToken?: { authTime?: number };
    };
  }

  export interface ClientInstance {
    readonly clientId: string;
    readonly backchannelLogoutUri?: string;
    /** OpenID Connect Back-Channel Logout: signs a logout token and POSTs it; rejects unless 200/204. */
    backchannelLogout(sub: string, sid?: string): Promise<void>;
  }

  export interface SessionInstance {
    readonly jti: string;
    readonly accountId?: string;
    readonly authorizations?: Record<string, { sid?: string; grantId?: string }>;
    grantIdFor(clientId: string): string | undefined;
    sidFor(clientId: string): string | undefined;
    destroy(): Promise<void>;
  }

  export interface AccessTokenInstance {
    readonly jti: string;
    readonly iat: number;
    readonly exp: number;
    readonly accountId: string;
    readonly clientId: string;
    readonly scope?: string;
    readonly grantId?: string;
  }

  export interface GrantInstance {
    readonly jti: string;
    readonly accountId: string;
    readonly clientId: string;
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export interface Interaction {
    readonly uid: string;
    readonly prompt: { name: string; reasons: string[] };
    readonly params: Record<string, unknown>;
    readonly session?: { accountId?: string; uid?: string };
    readonly exp: number;
    save(ttl: number): Promise<string>;
  }

  export interface InteractionResult {
    login?: { accountId: string; remember?: boolean };
    consent?: { grantId: string };
    error?: string;
    error_description?: string;
  }

  export interface AdapterPayload {
    [key: string]: unknown;
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: unknown;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  /** Configuration is passed through as is; the emulator builds it in one place (provider.ts). */
  export type Configuration = Record<string, unknown>;

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: KoaMiddleware): this;
    on(event: string, listener: (ctx: KoaContext, err?: unknown) => void): this;
    createContext(req: IncomingMessage, res: ServerResponse): { cookies: CookieJar };
    cookieName(type: 'session' | 'interaction' | 'resume'): string;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    readonly Client: {
      prototype: { redirectUriAllowed(value: string): boolean };
      find(id: string): Promise<ClientInstance | undefined>;
    };
    readonly Grant: {
      new (input: { accountId: string; clientId: string }): GrantInstance;
      find(id: string): Promise<GrantInstance | undefined>;
    };
    readonly Session: {
      find(id: string): Promise<SessionInstance | undefined>;
      get(ctx: { req: IncomingMessage; res: ServerResponse; secure?: boolean }): Promise<SessionInstance>;
    };
    readonly AccessToken: {
      find(value: string): Promise<AccessTokenInstance | undefined>;
    };
    readonly ClientCredentials: {
      new (input: { client: ClientInstance; scope?: string }): ClientCredentialsInstance;
      find(value: string): Promise<ClientCredentialsInstance | undefined>;
    };
    registerGrantType(name: string, handler: (ctx: KoaContext) => Promise<void>, params?: string[]): void;
  }

  export interface ClientCredentialsInstance {
    readonly jti: string;
    readonly iat: number;
    readonly exp: number;
    readonly clientId: string;
    readonly scope?: string;
    /** Lifetime in seconds from `ttl.ClientCredentials`. */
    readonly expiration: number;
    save(): Promise<string>;
  }

  export const errors: Record<string, new (...args: unknown[]) => Error> & {
    InvalidScope: new (description: string, scope: string) => Error;
  };
}
