import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from './request-target.js';

const ok = (raw: string) => parseRequestTarget(raw);

describe('parseRequestTarget', () => {
  it('keeps ordinary paths and queries as they are', () => {
    expect(ok('/api/things/42?expand=a&x=%20y')).toEqual({ kind: 'ok', path: '/api/things/42', query: '?expand=a&x=%20y' });
    expect(ok('/api')).toEqual({ kind: 'ok', path: '/api', query: '' });
    expect(ok('/api/a..b/.well-known/x.y')).toMatchObject({ kind: 'ok', path: '/api/a..b/.well-known/x.y' });
    expect(ok('/api/group%2Fproject')).toMatchObject({ kind: 'ok', path: '/api/group%2Fproject' });
    expect(ok('/api/q?next=/a/../b#')).toMatchObject({ kind: 'bad' }); // a fragment, even in the query part
  });

  it('decodes percent-encoded unreserved characters so routes match what the upstream will read', () => {
    expect(ok('/api/%6Frders/7')).toMatchObject({ kind: 'ok', path: '/api/orders/7' });
    expect(ok('/api/a%7e%5f%2d')).toMatchObject({ kind: 'ok', path: '/api/a~_-' });
    expect(ok('/api/a%2fb%3a')).toMatchObject({ kind: 'ok', path: '/api/a%2Fb%3A' });
  });

  it.each([
    '/api/..#/x',
    '/api/x#frag',
    '/api/..',
    '/api/../admin',
    '/api/./x',
    '/api/x/..',
    '/api/%2e%2e/admin',
    '/api/%2E/x',
    '/api/.%2e/admin',
    '/api/..%2fadmin',
    '/api/%2e%2e%2fadmin',
    '/api/%252e%252e/admin',
    '/api/%25252e%25252e%25252fadmin',
    '/api/..;/admin',
    '/api/..;jsessionid=1/admin',
    '/api/%2e%2e;x/admin',
    '/api\\..\\admin',
    '/api/x%5c..%5cadmin',
    '/api/x%00',
    '/api/x%0a',
    '/api/x\t',
    '/api/x y',
    '/api/é',
    '/api/%zz',
    '/api/%c0%ae%c0%ae/admin',
  ])('refuses %j', (raw) => {
    expect(parseRequestTarget(raw).kind).toBe('bad');
  });
});
