import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { Metrics } from './metrics.js';
import { routeGroup } from './route-group.js';

describe('routeGroup', () => {
  it.each([
    ['/api', 'api'],
    ['/api/orders/42?x=1', 'api'],
    ['/apix', 'other'],
    ['/session', 'session'],
    ['/session?x', 'session'],
    ['/sessions/abc', 'session'],
    ['/auth/login?returnTo=/', 'auth'],
    ['/healthz', 'health'],
    ['/readyz?verbose', 'health'],
    ['/metrics', 'health'],
    ['/openapi.json', 'other'],
    ['/some/random/path', 'other'],
  ])('%s → %s (API only)', (url, group) => {
    expect(routeGroup(url, false)).toBe(group);
  });

  it('gives unknown paths to the web app when it is served', () => {
    expect(routeGroup('/', true)).toBe('web');
    expect(routeGroup('/assets/index-abc.js', true)).toBe('web');
    expect(routeGroup('/api/x', true)).toBe('api');
  });
});

describe('Metrics', () => {
  it('labels requests by route group, status class and matched route prefix (never the raw path), and aborted ones as such', async () => {
    const metrics = new Metrics({ serveWeb: false, processMetrics: false });
    metrics.observeRequest('/api/a/b/c', 200, true, 0.01, '/api');
    metrics.observeRequest('/api/d', 204, true, 0.02, '/api');
    metrics.observeRequest('/api/d', 502, true, 0.02, '/api');
    metrics.observeRequest('/api/orders/7', 200, true, 0.02, '/api/orders');
    metrics.observeRequest('/session', 200, false, 0.5);
    const { body, contentType } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('bff_http_request_duration_seconds_count{route="api",status_class="2xx",api_route="/api"} 2');
    expect(body).toContain('bff_http_request_duration_seconds_count{route="api",status_class="5xx",api_route="/api"} 1');
    expect(body).toContain('bff_http_request_duration_seconds_count{route="api",status_class="2xx",api_route="/api/orders"} 1');
    expect(body).toContain('bff_http_request_duration_seconds_count{route="session",status_class="aborted",api_route=""} 1');
    expect(body).not.toContain('/api/a');
    expect(body).not.toContain('/api/orders/7');
  });

  it('counts where client-route tokens came from', async () => {
    const metrics = new Metrics({ serveWeb: false, processMetrics: false });
    metrics.clientToken('granted');
    metrics.clientToken('memory');
    metrics.clientToken('memory');
    const { body } = await metrics.render();
    expect(body).toContain('bff_client_token_total{source="memory"} 2');
    expect(body).toContain('bff_client_token_total{source="granted"} 1');
    expect(body).toContain('bff_client_token_total{source="failed"} 0');
  });

  it('exports a NaN active-session gauge when the count cannot be read, instead of failing the scrape', async () => {
    const metrics = new Metrics({ serveWeb: false, processMetrics: false, sessions: { count: () => Promise.reject(new Error('redis down')) } });
    expect((await metrics.render()).body).toMatch(/^bff_active_sessions nan$/im) // prom-client writes "Nan"; Prometheus parses it case-insensitively;
  });
});

describe('metrics configuration', () => {
  it('serves /metrics by default, without a token', () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: true, token: undefined });
  });
  it('reads METRICS_ENABLED and METRICS_TOKEN', () => {
    expect(loadConfig({ METRICS_ENABLED: 'false' }).metrics.enabled).toBe(false);
    expect(loadConfig({ METRICS_ENABLED: '0' }).metrics.enabled).toBe(false);
    expect(loadConfig({ METRICS_ENABLED: 'true', METRICS_TOKEN: 'x'.repeat(16) }).metrics).toEqual({ enabled: true, token: 'x'.repeat(16) });
  });
  it('refuses a short METRICS_TOKEN and a METRICS_ENABLED that is not a boolean', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
    expect(() => loadConfig({ METRICS_ENABLED: 'yes' })).toThrow(/METRICS_ENABLED/);
  });
});
