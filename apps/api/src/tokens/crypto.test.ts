import { describe, expect, it } from 'vitest';
import { TokenCipher } from './crypto.js';

describe('TokenCipher', () => {
  const cipher = new TokenCipher('a'.repeat(32));
  it('opens what it sealed for the same session only', () => {
    const sealed = cipher.seal('{"accessToken":"secret"}', 'sid-1');
    expect(sealed).not.toContain('secret');
    expect(cipher.open(sealed, 'sid-1')).toBe('{"accessToken":"secret"}');
    expect(() => cipher.open(sealed, 'sid-2')).toThrow();
  });
  it('refuses a tampered record and one sealed under another secret', () => {
    const sealed = cipher.seal('x', 's');
    const flipped = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => cipher.open(flipped, 's')).toThrow();
    expect(() => new TokenCipher('b'.repeat(32)).open(sealed, 's')).toThrow();
  });
});

describe('TokenCipher key ring', () => {
  const [a, b] = ['a'.repeat(32), 'b'.repeat(32)];
  it('opens a record sealed under a previous secret, says so, and seals anew with the current one', () => {
    const old = new TokenCipher(a).seal('{"x":1}', 's');
    const ring = new TokenCipher([b, a]);
    expect(ring.openWithKey(old, 's')).toEqual({ plaintext: '{"x":1}', current: false });
    const resealed = ring.seal('{"x":1}', 's');
    expect(ring.openWithKey(resealed, 's')).toEqual({ plaintext: '{"x":1}', current: true });
    expect(new TokenCipher(b).open(resealed, 's')).toBe('{"x":1}');
    expect(() => new TokenCipher(a).open(resealed, 's')).toThrow();
    expect(() => ring.open(old, 'other-sid')).toThrow();
  });
});
