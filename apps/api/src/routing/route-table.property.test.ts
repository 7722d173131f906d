import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApiRoute } from '@app/shared-types';
import { RouteTable } from './route-table.js';

// Issue 19, item 1, proven a second way: random route tables and random paths built to confuse a
// path reader. The reference reading below is written independently of request-target.ts: it is
// the most lenient reading any upstream applies (decode until stable, `\` as `/`, `;params` cut,
// trailing dots dropped, empty segments gone, case folded).

const WORDS = ['api', 'admin', 'Admin', 'ADMIN', 'orders', 'a', 'b', 'v1.2', 'x-y', 'live'];
/** Spellings of route words that a folding router reads as the word: dotless/dotted i, fullwidth, long s. */
const LOOKALIKES = ['adm%C4%B1n', 'ADM%C4%B0N', '%EF%BD%81dmin', 'order%C5%BF', 'orders%EF%BC%8Fx', 'admin%3F', 'admin%23x'];

/** The most lenient reading of a path, segment by segment. */
function lenient(path: string): string[] {
  let decoded = path;
  for (let i = 0; i < 8; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      break;
    }
    if (next === decoded) break;
    decoded = next;
  }
  // the loosest comparison: compatibility forms and case both ways (dotless i, long s, Kelvin, fullwidth)
  const folded = decoded.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase().toLowerCase().normalize('NFKC');
  return folded
    .split(/[?#]/)[0]!
    .replaceAll('\\', '/')
    .split('/')
    .map((s) => s.split(';')[0]!.replace(/[. ]+$/, '').toLowerCase())
    .filter(Boolean);
}

/** The route whose prefix covers the most leading segments of `segments` (case-insensitively). */
function longestRoute(routes: readonly ApiRoute[], segments: readonly string[]): ApiRoute | undefined {
  let best: ApiRoute | undefined;
  let bestLength = -1;
  for (const route of routes) {
    const prefix = route.prefix.toLowerCase().split('/').filter(Boolean);
    if (prefix.length > segments.length || prefix.length <= bestLength) continue;
    if (prefix.every((s, i) => s === segments[i])) {
      best = route;
      bestLength = prefix.length;
    }
  }
  return best;
}

const isProperPrefix = (shorter: string, longer: string) => longer.toLowerCase().startsWith(`${shorter.toLowerCase()}/`);

const routeTable = fc
  .uniqueArray(fc.array(fc.constantFrom(...WORDS.filter((w) => w !== 'api')), { maxLength: 3 }), {
    minLength: 1,
    maxLength: 6,
    selector: (segments) => segments.join('/').toLowerCase(), // prefixes match case-insensitively: one per reading
  })
  .map((list) =>
    list.map((segments): ApiRoute => ({
      prefix: ['/api', ...segments].join('/'),
      upstream: 'http://upstream.invalid',
      token: 'user',
      anonymous: false,
      websocket: false,
      timeoutMs: 1000,
    })),
  );

/** A segment with a case change, a `;param`, trailing dots, or an encoded dot, or as it is. */
const segment = fc
  .tuple(
    fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom(...LOOKALIKES)),
    fc.constantFrom('', ';x', ';jsessionid=1', '.', '..', '%2e', '%2E', '%252e', ' ', '%20'),
    fc.boolean(),
  )
  .map(([word, suffix, flip]) => `${flip ? word.toUpperCase() : word}${suffix}`);
/** What joins two segments: a slash, or something a lenient upstream reads as one. */
const separator = fc.constantFrom('/', '/', '/', '%2F', '%2f', '%5C', '%5c', '%252F', '%25252F', '//', '\\', '%2F%2F', '%EF%BC%8F', '%EF%BC%BC');

const requestPath = fc
  .tuple(fc.constantFrom('/api', '/API', '/Api', '/api;x', '/api.'), fc.array(fc.tuple(separator, segment), { maxLength: 5 }), fc.constantFrom('', '?q=1', '?next=%2Fadmin'))
  .map(([head, rest, query]) => `${head}${rest.map(([sep, seg]) => `${sep}${seg}`).join('')}${query}`);

describe('RouteTable (property-based)', () => {
  it('never sends a request to a route whose prefix is a proper prefix of the route its lenient reading matches', () => {
    fc.assert(
      fc.property(routeTable, requestPath, (routes, target) => {
        const table = new RouteTable(routes);
        const resolved = table.resolve(target);
        if (resolved.kind !== 'match') return;
        const path = target.split('?')[0]!;
        const stricter = longestRoute(routes, lenient(path));
        if (stricter) expect(isProperPrefix(resolved.route.prefix, stricter.prefix), `${target} went to ${resolved.route.prefix}, reads as ${stricter.prefix}`).toBe(false);
      }),
      { numRuns: 5_000 },
    );
  });

  it('matches a prefix in any case, on whole segments, and keeps the rest of the path as written', () => {
    fc.assert(
      fc.property(routeTable, fc.array(fc.constantFrom(...WORDS), { maxLength: 3 }), (routes, rest) => {
        const route = routes[0]!;
        const path = `${route.prefix.toUpperCase()}${rest.map((s) => `/${s}`).join('')}`;
        const resolved = new RouteTable(routes).resolve(path);
        expect(resolved.kind).toBe('match');
        if (resolved.kind !== 'match') return;
        // the longest prefix wins: `route` or a longer one, always on whole segments of the path
        const matched = resolved.route.prefix.toLowerCase();
        expect(path.toLowerCase() === matched || path.toLowerCase().startsWith(`${matched}/`)).toBe(true);
        expect(matched.length).toBeGreaterThanOrEqual(route.prefix.length);
        // the upstream gets the rest of the path exactly as written, its case included
        expect(resolved.upstreamPath).toBe(path.slice(matched.length) || '/');
      }),
      { numRuns: 1_000 },
    );
  });
});
