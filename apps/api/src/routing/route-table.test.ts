import type { ApiRoute } from '@app/shared-types';
import { describe, expect, it } from 'vitest';
import { RouteTable } from './route-table.js';

const route = (prefix: string, upstream: string): ApiRoute => ({ prefix, upstream, token: 'user', anonymous: false, websocket: false, timeoutMs: 30_000 });

const table = new RouteTable([
  route('/api', 'http://default.internal'),
  route('/api/orders', 'http://orders.internal:8080/v1'),
  route('/api/orders/archive', 'https://archive.internal/old/api'),
  route('/api/stats', 'http://stats.internal/'),
]);
const where = (target: string) => {
  const m = table.match(target);
  return m && `${m.route.prefix} ${m.origin}${m.upstreamPath}`;
};

describe('RouteTable', () => {
  it('replaces the prefix by the upstream, keeping the rest of the path and the query', () => {
    expect(where('/api/orders/7?x=1')).toBe('/api/orders http://orders.internal:8080/v1/7?x=1');
    expect(where('/api/orders')).toBe('/api/orders http://orders.internal:8080/v1');
    expect(where('/api/orders?x')).toBe('/api/orders http://orders.internal:8080/v1?x');
    expect(where('/api/orders/')).toBe('/api/orders http://orders.internal:8080/v1/');
    expect(where('/api/stats')).toBe('/api/stats http://stats.internal/');
    expect(where('/api/stats/a/b?c=d&e')).toBe('/api/stats http://stats.internal/a/b?c=d&e');
    expect(where('/api/hello')).toBe('/api http://default.internal/hello');
    expect(where('/api')).toBe('/api http://default.internal/');
  });

  it('matches whole segments only, and the longest prefix wins', () => {
    expect(where('/api/ordersX')).toBe('/api http://default.internal/ordersX');
    expect(where('/api/orders.json')).toBe('/api http://default.internal/orders.json');
    expect(where('/api/orders/archive/2020')).toBe('/api/orders/archive https://archive.internal/old/api/2020');
    expect(where('/api/orders/archived')).toBe('/api/orders http://orders.internal:8080/v1/archived');
  });

  it('answers nothing outside the table', () => {
    const narrow = new RouteTable([route('/api/orders', 'http://orders.internal')]);
    expect(narrow.resolve('/api/other')).toEqual({ kind: 'not_found' });
    expect(narrow.match('/api')).toBeUndefined();
    expect(narrow.match('/apiorders')).toBeUndefined();
    expect(narrow.match('/')).toBeUndefined();
    expect(table.match('/apix')).toBeUndefined();
    expect(table.match('/other/api')).toBeUndefined();
  });

  it('matches an encoded unreserved character as itself, so no encoding slips past a narrower route', () => {
    expect(where('/api/%6Frders/7')).toBe('/api/orders http://orders.internal:8080/v1/7');
    expect(where('/api/orders/a%2db%7e')).toBe('/api/orders http://orders.internal:8080/v1/a-b~');
    expect(where('/api/orders/caf%c3%a9')).toBe('/api/orders http://orders.internal:8080/v1/caf%C3%A9');
  });

  it('refuses paths an upstream could read differently: dot segments, //, encoded slashes, backslashes', () => {
    for (const target of [
      '/api/orders/../admin',
      '/api/orders/./7',
      '/api/orders/%2e%2e/admin',
      '/api/orders/.%2E/admin',
      '/api//orders',
      '/api/orders%2F..%2Fadmin',
      '/api/orders%5cadmin',
      '/api/orders\\admin',
      '/api/orders/%00',
      '/api/orders/%zz',
      'api/orders',
      'http://evil/api/orders',
    ]) {
      expect(table.resolve(target).kind, target).toBe('bad_request');
      expect(table.match(target), target).toBeUndefined();
    }
    // a dot inside a segment, or dots in the query, are fine
    expect(where('/api/orders/a..b?x=../y')).toBe('/api/orders http://orders.internal:8080/v1/a..b?x=../y');
  });

  it('is immutable once compiled', () => {
    expect(Object.isFrozen(table)).toBe(true);
    expect(() => (table.routes as ApiRoute[]).push(route('/api/x', 'http://x'))).toThrow();
    expect(() => new RouteTable([route('/api/a', 'http://a'), route('/api/a', 'http://b')])).toThrow(/duplicate/);
  });
});
