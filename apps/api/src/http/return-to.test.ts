import { describe, expect, it } from 'vitest';
import { RETURN_TO_MAX_LENGTH, safeReturnTo } from './return-to.js';

const PUBLIC_URL = 'https://app.example.com';

/** What a browser does with a `Location` value: resolve it against the page it came from. */
function staysOnOrigin(location: string): boolean {
  return new URL(location, PUBLIC_URL).origin === PUBLIC_URL && /^\/(?![/\\])/.test(location);
}

describe('safeReturnTo', () => {
  it.each([
    ['/', '/'],
    ['/a/b?c=d#e', '/a/b?c=d#e'],
    ['/a/./b/../c', '/a/c'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['\\\\evil.example', '/'],
    ['\\/evil.example', '/'],
    ['https://evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['/\t/evil.example', '/'],
    ['/\n/evil.example', '/'],
    ['/x\r\nSet-Cookie: a=b', '/'],
    ['relative', '/'],
    [undefined, '/'],
    [['/a', '/b'], '/'],
  ])('%j → %j', (input, expected) => {
    expect(safeReturnTo(input, PUBLIC_URL)).toBe(expected);
  });

  // each of these normalises to `//evil.example` (a protocol-relative URL) in a URL parser
  it.each([
    '/./' + '/evil.example',
    '/.//evil.example',
    '/..//evil.example',
    '/%2e//evil.example',
    '/%2E//evil.example',
    '/%2e%2e//evil.example',
    '/%2E%2E//evil.example',
    '/%2E%2E//',
    '/a/..//evil.example',
    '/a/%2e%2e//evil.example',
    '/./%2e/..//evil.example',
    '/.%2e//evil.example',
    '/./\\evil.example',
    '/%09/evil.example',
    '/.%09//evil.example',
    '/\t.//evil.example',
  ])('dot segments and encodings in front of // never give a protocol-relative Location: %j', (input) => {
    const location = safeReturnTo(input, PUBLIC_URL);
    expect(staysOnOrigin(location)).toBe(true);
    expect(location.startsWith('//')).toBe(false);
  });

  it(`a returnTo longer than ${RETURN_TO_MAX_LENGTH} characters becomes /`, () => {
    expect(safeReturnTo(`/${'a'.repeat(RETURN_TO_MAX_LENGTH - 1)}`, PUBLIC_URL)).toHaveLength(RETURN_TO_MAX_LENGTH);
    expect(safeReturnTo(`/${'a'.repeat(RETURN_TO_MAX_LENGTH)}`, PUBLIC_URL)).toBe('/');
    expect(safeReturnTo(`/${'./'.repeat(10_000)}/evil.example`, PUBLIC_URL)).toBe('/');
    // short input, long once encoded: the bound holds for what is sent
    expect(safeReturnTo(`/${'é'.repeat(200)}`, PUBLIC_URL)).toBe('/');
  });

  it('whatever it returns is a same-origin path that a second pass leaves unchanged', () => {
    // deterministic pseudo-random mixes of the pieces that make URL parsers and browsers disagree
    const pieces = ['/', '//', '.', '..', '%2e', '%2E', '%2f', '%5c', '\\', '\t', '\n', '\r', '%09', ' ', '@', ':', '?', '#', 'evil.example', 'a', '\u0000', 'é'];
    let seed = 42; // mulberry32
    const next = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (t ^ (t >>> 14)) >>> 0;
    };
    for (let i = 0; i < 5_000; i++) {
      const length = 1 + (next() % 8);
      const input = '/' + Array.from({ length }, () => pieces[next() % pieces.length]).join('');
      const location = safeReturnTo(input, PUBLIC_URL);
      expect(staysOnOrigin(location), input).toBe(true);
      expect(location, input).toMatch(/^[\x21-\x7e]+$/);
      expect(safeReturnTo(location, PUBLIC_URL), input).toBe(location);
    }
  });
});
