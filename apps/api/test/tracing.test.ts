import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_M2M_CLIENT, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { startOtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { startRecordingUpstream, type SeenRequest } from './support/recording-upstream.js';
import { recordOf } from './support/tokens.js';

// A real OTLP/HTTP receiver, a real emulator (2 s access tokens, so a refresh is one sleep away),
// a recording upstream, and two BFFs on the suite's Redis: one exporting every span, one with
// tracing off (no endpoint), which must still relay the caller's trace.
const SERVER = 2;
const CLIENT = 3;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;
const secret = testSecret();

let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
let traced: TestBff;
let untraced: TestBff;
/** Every credential the suite saw: none may appear anywhere in what was exported. */
const credentials = new Set<string>([secret, 'local-secret', DEFAULT_M2M_CLIENT.clientSecret]);

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 2 });
  upstream = await startRecordingUpstream();
  otlp = await startOtlpReceiver();
  const routes = [
    { prefix: '/api', upstream: upstream.url },
    { prefix: '/api/public-stats', upstream: `${upstream.url}/stats`, token: 'client', scopes: ['stats/read'], anonymous: true },
  ];
  traced = await startBff({
    issuer: idp.issuer,
    keyPrefix: testPrefix(),
    sessionSecret: secret,
    env: {
      API_ROUTES: JSON.stringify(routes),
      COGNITO_M2M_CLIENT_ID: DEFAULT_M2M_CLIENT.clientId,
      COGNITO_M2M_CLIENT_SECRET: DEFAULT_M2M_CLIENT.clientSecret,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '1.0',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SERVICE_NAME: 'bff-under-test',
    },
  });
  untraced = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: testPrefix() });
});
afterAll(async () => {
  await traced?.close();
  await untraced?.close();
  await otlp?.close();
  await upstream?.close();
  await idp?.stop();
});

/** Calls `path` on `bff` and returns what the upstream saw of that call. */
async function call(bff: TestBff, path: string, headers: Record<string, string>): Promise<{ status: number; seen: SeenRequest | undefined }> {
  const before = upstream.seen.length;
  const res = await fetch(`${bff.url}${path}`, { headers });
  await res.arrayBuffer();
  return { status: res.status, seen: upstream.seen.length > before ? upstream.seen.at(-1) : undefined };
}

/** `traceparent` the upstream received, split into its parts. */
function relayed(seen: SeenRequest | undefined): { traceId: string; parentId: string; flags: string } {
  const header = seen?.headers.traceparent;
  const match = typeof header === 'string' ? TRACEPARENT.exec(header) : null;
  if (!match) throw new Error(`upstream got no valid traceparent: ${String(header)}`);
  return { traceId: match[1]!, parentId: match[2]!, flags: match[3]! };
}

/** Waits for the SERVER span of `traceId` and its upstream CLIENT span, with whatever else the trace holds by then. */
async function traceOf(traceId: string, also: (spans: ReceivedSpan[]) => boolean = () => true) {
  const spans = (await otlp.waitFor((all) => {
    const mine = all.filter((s) => s.traceId === traceId);
    return mine.some((s) => s.kind === SERVER) && mine.some((s) => s.name.endsWith(' upstream')) && also(mine);
  })).filter((s) => s.traceId === traceId);
  const server = spans.find((s) => s.kind === SERVER)!;
  const upstreamSpan = spans.find((s) => s.name.endsWith(' upstream'))!;
  return { spans, server, upstreamSpan };
}

describe('W3C trace context with spans exported over OTLP', () => {
  it("relays the caller's trace to the upstream with the BFF's upstream span as parent, and links every span by id", async () => {
    const { cookie } = await signInAs(traced);
    const traceId = hex(16);
    const callerSpan = hex(8);
    const { status, seen } = await call(traced, '/api/orders/7?q=query-marker-91', {
      cookie,
      'x-csrf': '1',
      traceparent: `00-${traceId}-${callerSpan}-01`,
      tracestate: 'vendor=opaque-1',
    });
    expect(status).toBe(200);
    const sent = relayed(seen);
    expect(sent.traceId).toBe(traceId);
    expect(sent.parentId).not.toBe(callerSpan); // never the caller's header unchanged
    expect(sent.flags).toBe('01');
    expect(seen?.headers.tracestate).toBeUndefined(); // a caller's tracestate is the caller's (contract: "Tracing")

    const { spans, server, upstreamSpan } = await traceOf(traceId, (mine) => mine.some((s) => s.name === 'redis session read'));
    expect(server.parentSpanId).toBe(callerSpan);
    expect(server.name).toBe('GET /api');
    expect(server.serviceName).toBe('bff-under-test');
    expect(server.attributes).toMatchObject({ 'http.route': '/api', 'http.request.method': 'GET', 'http.response.status_code': 200 });
    expect(upstreamSpan.kind).toBe(CLIENT);
    expect(upstreamSpan.parentSpanId).toBe(server.spanId);
    expect(upstreamSpan.spanId).toBe(sent.parentId); // the upstream's parent is the BFF's upstream span
    expect(upstreamSpan.attributes).toMatchObject({ 'http.response.status_code': 200, 'server.address': '127.0.0.1' });
    const sessionRead = spans.find((s) => s.name === 'redis session read')!;
    expect(sessionRead).toMatchObject({ kind: CLIENT, parentSpanId: server.spanId });
    expect(sessionRead.attributes['db.system.name']).toBe('redis');

    const { record } = await recordOf(traced, cookie);
    for (const token of [record.accessToken, record.refreshToken, record.idToken, cookie.split('=')[1]]) if (token) credentials.add(token);
  });

  it('puts the refresh at the IdP in a span under the request that needed it', async () => {
    const { cookie } = await signInAs(traced);
    const { record } = await recordOf(traced, cookie);
    credentials.add(record.refreshToken ?? '').add(cookie.split('=')[1] ?? '');
    await sleep(Math.max(0, record.accessTokenExpiresAt * 1000 - Date.now() + 50));
    await idp.reset();
    const traceId = hex(16);
    const { status, seen } = await call(traced, '/api/hello', { cookie, 'x-csrf': '1', traceparent: `00-${traceId}-${hex(8)}-01` });
    expect(status).toBe(200);
    expect((await idp.stats()).grants.refresh_token).toBe(1);
    expect(relayed(seen).traceId).toBe(traceId);

    const { spans, server, upstreamSpan } = await traceOf(traceId, (mine) => mine.some((s) => s.name === 'oauth2 refresh_token'));
    const refresh = spans.find((s) => s.name === 'oauth2 refresh_token')!;
    expect(refresh).toMatchObject({ kind: CLIENT, parentSpanId: server.spanId, attributes: { 'oauth2.grant_type': 'refresh_token' } });
    // the lease and the compare-and-set are Redis commands of the same request
    expect(spans.filter((s) => s.name.startsWith('redis ') && s.parentSpanId === server.spanId).length).toBeGreaterThanOrEqual(3);
    expect(upstreamSpan.parentSpanId).toBe(server.spanId);
    const after = await recordOf(traced, cookie);
    credentials.add(after.record.accessToken).add(after.record.refreshToken ?? '');
  });

  it('puts the client_credentials grant of a client route in a span under its request', async () => {
    const traceId = hex(16);
    const { status, seen } = await call(traced, '/api/public-stats/daily', { traceparent: `00-${traceId}-${hex(8)}-01` });
    expect(status).toBe(200);
    credentials.add(String(seen?.headers.authorization).replace(/^Bearer /, ''));
    const { spans, server } = await traceOf(traceId, (mine) => mine.some((s) => s.name === 'oauth2 client_credentials'));
    expect(server.attributes['http.route']).toBe('/api/public-stats');
    expect(spans.find((s) => s.name === 'oauth2 client_credentials')).toMatchObject({ kind: CLIENT, parentSpanId: server.spanId });
  });

  it('starts a trace when the request has no traceparent, and propagates it', async () => {
    const { cookie } = await signInAs(traced);
    const { status, seen } = await call(traced, '/api/hello', { cookie, 'x-csrf': '1' });
    expect(status).toBe(200);
    const sent = relayed(seen);
    const { server, upstreamSpan } = await traceOf(sent.traceId);
    expect(server.parentSpanId ?? '').toBe('');
    expect(upstreamSpan.spanId).toBe(sent.parentId);
  });

  it.each([
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`],
    ['garbage', 'not-a-traceparent'],
    ['an unknown version ff', `ff-${'a'.repeat(32)}-${'b'.repeat(16)}-01`],
  ])('starts a new trace when the traceparent is invalid (%s)', async (_what, invalid) => {
    const { status, seen } = await call(traced, '/api/public-stats/x', { traceparent: invalid });
    expect(status).toBe(200);
    const sent = relayed(seen);
    expect(seen?.headers.traceparent).not.toBe(invalid);
    expect(invalid).not.toContain(sent.traceId);
    const { server } = await traceOf(sent.traceId);
    expect(server.parentSpanId ?? '').toBe('');
  });

  it('exports no span of an unsampled request, and follows a sampled caller only under an explicit parent-based sampler', async () => {
    // sampler ratio 0: the BFF's own traces are never sampled; parentbased_* (asked for by name) follows a caller's decision
    const sparse = await startBff({
      issuer: idp.issuer,
      upstreamUrl: upstream.url,
      keyPrefix: testPrefix(),
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0', OTEL_SERVICE_NAME: 'bff-unsampled' },
    });
    try {
      const { cookie } = await signInAs(sparse);
      const own = await call(sparse, '/api/hello', { cookie, 'x-csrf': '1' });
      expect(own.status).toBe(200);
      const started = relayed(own.seen);
      expect(started.flags).toBe('00');

      const traceId = hex(16);
      const callerSpan = hex(8);
      const followed = await call(sparse, '/api/hello', { cookie, 'x-csrf': '1', traceparent: `00-${traceId}-${callerSpan}-00`, tracestate: 'vendor=unsampled' });
      expect(followed.status).toBe(200);
      const sent = relayed(followed.seen);
      expect(sent).toMatchObject({ traceId, flags: '00' });
      expect(sent.parentId).not.toBe(callerSpan);
      expect(followed.seen?.headers.tracestate).toBeUndefined();

      // the same BFF does export a request its caller sampled: the absence below is the sampler's doing
      const sampledId = hex(16);
      const sampled = await call(sparse, '/api/hello', { cookie, 'x-csrf': '1', traceparent: `00-${sampledId}-${hex(8)}-01` });
      expect(relayed(sampled.seen).flags).toBe('01');
    } finally {
      await sparse.close(); // flushes whatever was queued
    }
    const exported = otlp.spans.filter((s) => s.serviceName === 'bff-unsampled');
    expect(exported.some((s) => s.kind === SERVER)).toBe(true);
    expect(new Set(exported.map((s) => s.traceId)).size).toBe(1); // only the caller-sampled trace: no span of the other two
  });

  it("decides at the edge by default: a caller's sampled flag forces no export, lends its trace id, and its tracestate goes nowhere", async () => {
    // OTEL_TRACES_SAMPLER unset, ratio 0: the BFF's ratio alone decides, whatever the caller's flag says
    const edge = await startBff({
      issuer: idp.issuer,
      upstreamUrl: upstream.url,
      keyPrefix: testPrefix(),
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_TRACES_SAMPLER_ARG: '0', OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_SERVICE_NAME: 'bff-edge' },
    });
    const forced: string[] = [];
    try {
      const { cookie } = await signInAs(edge);
      for (let i = 0; i < 20; i++) {
        const traceId = hex(16);
        forced.push(traceId);
        const { status, seen } = await call(edge, '/api/hello', { cookie, 'x-csrf': '1', traceparent: `00-${traceId}-${hex(8)}-01`, tracestate: 'vendor=forced' });
        expect(status).toBe(200);
        expect(relayed(seen)).toMatchObject({ traceId, flags: '00' }); // the caller's trace id, the BFF's decision
        expect(seen?.headers.tracestate).toBeUndefined();
      }
    } finally {
      await edge.close(); // flushes whatever was queued
    }
    expect(otlp.spans.filter((s) => s.serviceName === 'bff-edge' || forced.includes(s.traceId))).toEqual([]);
  });

  it('flushes the spans still queued when the BFF shuts down', async () => {
    const lazy = await startBff({
      issuer: idp.issuer,
      upstreamUrl: upstream.url,
      keyPrefix: testPrefix(),
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${otlp.url}/v1/traces`, OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_SERVICE_NAME: 'bff-shutting-down' },
    });
    const traceId = hex(16);
    expect((await fetch(`${lazy.url}/healthz`, { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } })).status).toBe(200);
    await sleep(200);
    expect(otlp.spans.some((s) => s.traceId === traceId)).toBe(false); // still queued: the batch waits 10 minutes
    await lazy.close();
    expect(otlp.spans.find((s) => s.traceId === traceId)).toMatchObject({ kind: SERVER, serviceName: 'bff-shutting-down', attributes: { 'bff.route_group': 'health' } });
  });

  it('exports no token, cookie, code, secret or query string in any span', async () => {
    await otlp.waitFor((all) => all.length > 0);
    const payload = otlp.raw.join('\n');
    expect(payload.length).toBeGreaterThan(1_000);
    expect(credentials.size).toBeGreaterThanOrEqual(8);
    for (const credential of credentials) if (credential) expect(payload).not.toContain(credential);
    expect(payload).not.toContain('eyJ');
    expect(payload).not.toContain('query-marker-91');
    expect(payload).not.toMatch(/code=|state=|bff\.sid/);
  });
});

describe('W3C trace context with tracing off (no OTLP endpoint)', () => {
  it("still relays the caller's trace: same trace id, a new parent id and the caller's flags, never its tracestate", async () => {
    const { cookie } = await signInAs(untraced);
    for (const flags of ['01', '00']) {
      const traceId = hex(16);
      const callerSpan = hex(8);
      const { status, seen } = await call(untraced, '/api/hello', { cookie, 'x-csrf': '1', traceparent: `00-${traceId}-${callerSpan}-${flags}`, tracestate: 'vendor=v2' });
      expect(status).toBe(200);
      const sent = relayed(seen);
      expect(sent).toMatchObject({ traceId, flags });
      expect(sent.parentId).not.toBe(callerSpan);
      expect(seen?.headers.tracestate).toBeUndefined();
    }
  });

  it('adds no trace context of its own, and drops a tracestate that comes without a traceparent', async () => {
    const { cookie } = await signInAs(untraced);
    const { status, seen } = await call(untraced, '/api/hello', { cookie, 'x-csrf': '1', tracestate: 'vendor=orphan' });
    expect(status).toBe(200);
    expect(seen?.headers.traceparent).toBeUndefined();
    expect(seen?.headers.tracestate).toBeUndefined();
    const invalid = await call(untraced, '/api/hello', { cookie, 'x-csrf': '1', traceparent: 'not-a-traceparent' });
    expect(invalid.seen?.headers.traceparent).toBeUndefined();
  });
});
