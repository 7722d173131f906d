import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';

/**
 * Spans of the work below a request (contract: "Tracing"): the session read, the refresh's Redis
 * steps, IdP grants, background work. The services a request calls take a {@link SpanParent}
 * argument instead of reading async context, so an unsampled request costs no extra promise.
 * Attributes name methods, commands, grant types and outcomes only: never a Redis key or
 * argument, a token, a cookie, a code or a secret.
 */

/**
 * Where a piece of work hangs in its request's trace: the span it is a child of. Passed as an
 * optional argument to the services a request calls (refresh, client tokens, the IdP); `undefined`
 * (tracing off, or work outside a request) means no span.
 */
export interface SpanParent {
  /** The parent span; it records only when the request is sampled. Unsampled, its id is still the upstream's parent. */
  readonly span: Span;
  /** The tracer children are made with; set only when {@link SpanParent.span} records. */
  readonly tracer: Tracer | undefined;
}

/**
 * Runs `call` in a span named `name`, child of `parent` when `parent` is recorded; otherwise just
 * runs it (children of unsampled requests would be dropped anyway). `call` gets the new span as
 * the parent of its own children.
 */
export function inSpan<T>(
  parent: SpanParent | undefined,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  call: (self: SpanParent | undefined) => Promise<T>,
): Promise<T> {
  // not async: an unsampled request's call gets no extra promise around it
  return parent?.tracer ? recorded(parent.tracer, parent.span, name, kind, attributes, call) : call(parent);
}

async function recorded<T>(tracer: Tracer, parent: Span, name: string, kind: SpanKind, attributes: Attributes, call: (self: SpanParent) => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { kind, attributes }, trace.setSpan(ROOT_CONTEXT, parent));
  try {
    return await call({ span, tracer });
  } catch (err) {
    failed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Runs `call` in an INTERNAL span child of `parent` (work of the BFF's own, like a background refresh); `call` gets it as its children's parent. */
export function internalSpan<T>(parent: SpanParent | undefined, name: string, call: (self: SpanParent | undefined) => Promise<T>): Promise<T> {
  return inSpan(parent, name, SpanKind.INTERNAL, {}, call);
}

/** Runs one Redis command (or script) of a request in a CLIENT span named after the command only: keys hold session ids, arguments sealed tokens. */
export function redisSpan<T>(parent: SpanParent | undefined, command: string, call: () => Promise<T>): Promise<T> {
  if (!parent?.tracer) return call();
  return inSpan(parent, `redis ${command}`, SpanKind.CLIENT, redisAttributes(command), call);
}

const redisAttributesOf = new Map<string, Attributes>();

/**
 * The request path's read of a session (token-store.ts `readForRequest`): `HMGET v t s` of a
 * record the process knows, `HGETALL` when it does not or the record changed; so the span names
 * no single command.
 */
export const SESSION_READ_SPAN = 'redis session read';
/** Attributes of the {@link SESSION_READ_SPAN}: the database only, since the command varies. */
export const SESSION_READ_ATTRIBUTES: Attributes = Object.freeze({ 'db.system.name': 'redis' });

/** Attributes of a span around a Redis command; built once per command, so call sites may ask on every request. */
export function redisAttributes(command: string): Attributes {
  let attributes = redisAttributesOf.get(command);
  if (!attributes) {
    attributes = Object.freeze({ 'db.system.name': 'redis', 'db.operation.name': command });
    redisAttributesOf.set(command, attributes);
  }
  return attributes;
}

/**
 * Runs one call to the identity provider (`grant`: `refresh_token`, `client_credentials`,
 * `authorization_code`, `revocation`) in a CLIENT span, child of `parent`; without a recorded
 * parent, just runs it.
 */
export function idpSpan<T>(parent: SpanParent | undefined, grant: string, call: () => Promise<T>): Promise<T> {
  if (!parent?.tracer) return call();
  return inSpan(parent, `oauth2 ${grant}`, SpanKind.CLIENT, { 'oauth2.grant_type': grant }, call);
}

function failed(span: Span, err: unknown) {
  // a kind or a class name: error messages may quote what a server answered
  const kind = (err as { kind?: unknown }).kind;
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute('error.type', typeof kind === 'string' ? kind : err instanceof Error ? err.name : 'error');
  const oauthError = (err as { oauthError?: unknown }).oauthError;
  if (typeof oauthError === 'string' && /^[\w.-]{1,64}$/.test(oauthError)) span.setAttribute('oauth2.error', oauthError);
}
