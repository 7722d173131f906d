import { describe, expect, it } from 'vitest';
import { sanitizeUserAgent, USER_AGENT_MAX_LENGTH } from './user-agent.js';

describe('sanitizeUserAgent', () => {
  it('keeps an ordinary user agent as is', () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
    expect(sanitizeUserAgent(ua)).toBe(ua);
  });

  it('replaces control and non-ASCII characters and collapses spaces', () => {
    expect(sanitizeUserAgent('evil\r\nSet-Cookie: x\u0000  \u202etxt.exe')).toBe('evil Set-Cookie: x txt.exe');
  });

  it('truncates long values and maps absent ones to an empty string', () => {
    expect(sanitizeUserAgent('a'.repeat(10_000))).toHaveLength(USER_AGENT_MAX_LENGTH);
    expect(sanitizeUserAgent(undefined)).toBe('');
    expect(sanitizeUserAgent(['first', 'second'])).toBe('first');
  });
});
