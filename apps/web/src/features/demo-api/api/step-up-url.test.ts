import { describe, expect, it } from 'vitest';
import { stepUpUrl } from './call-api';

describe('stepUpUrl', () => {
  it("keeps the BFF's prompt and max_age, and brings the user back to the page they are on", () => {
    const here = { origin: 'https://app.example.com', pathname: '/settings/payment', search: '?tab=card' };
    const url = new URL(stepUpUrl('/auth/login?prompt=login&max_age=300&returnTo=%2F', here), here.origin);
    expect(url.pathname).toBe('/auth/login');
    expect(Object.fromEntries(url.searchParams)).toEqual({ prompt: 'login', max_age: '300', returnTo: '/settings/payment?tab=card' });
  });

  it('stays on the BFF origin: a loginUrl naming another origin keeps only its path and query', () => {
    const here = { origin: 'https://app.example.com', pathname: '/', search: '' };
    expect(stepUpUrl('https://evil.example/auth/login?prompt=login', here)).toBe('/auth/login?prompt=login&returnTo=%2F');
  });
});
