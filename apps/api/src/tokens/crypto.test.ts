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
