import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_EMULATOR_ISSUER, loadConfig } from './config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('in development, defaults to the local emulator, a random secret and port 3000', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.cognito.issuer).toBe(DEV_EMULATOR_ISSUER);
    expect(c.sessionSecretGenerated).toBe(true);
    expect(c.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(c.refreshSkewSeconds).toBe(60);
    expect(c.upstreamTimeoutMs).toBe(30_000);
    expect(c.cognito.scopes).toBe('openid email profile');
  });

  it('lists every missing or invalid variable in one error', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      PORT: 'eighty',
      REDIS_URL: 'http://not-redis',
      SESSION_SECRET: 'short',
      UPSTREAM_TIMEOUT_MS: '-1',
    });
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/REDIS_URL/);
    expect(problems.join('\n')).toMatch(/SESSION_SECRET/);
    expect(problems.join('\n')).toMatch(/UPSTREAM_TIMEOUT_MS/);
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });

  it('requires the secret, issuer, client and upstream in production, all reported together', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SESSION_SECRET/),
        expect.stringMatching(/^COGNITO_ISSUER/),
        expect.stringMatching(/^COGNITO_CLIENT_ID/),
        expect.stringMatching(/^API_UPSTREAM_URL/),
      ]),
    );
  });

  it('accepts an http:// issuer only on a loopback host', () => {
    expect(problemsOf({ COGNITO_ISSUER: 'http://idp.example.com/pool', COGNITO_CLIENT_ID: 'x' })).toEqual([
      expect.stringMatching(/COGNITO_ISSUER: must use https/),
    ]);
    for (const host of ['localhost:4010', '127.0.0.1:4010', '[::1]:4010']) {
      expect(loadConfig({ COGNITO_ISSUER: `http://${host}/p`, COGNITO_CLIENT_ID: 'x' }).cognito.issuer).toBe(`http://${host}/p`);
    }
  });

  it('derives Secure cookies from an https PUBLIC_URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://app.example.com' }).secureCookies).toBe(true);
    expect(loadConfig({ PUBLIC_URL: 'http://localhost:5173' }).secureCookies).toBe(false);
  });

  it('defaults to an 8-hour idle timeout and a 30-day refresh token, and validates both', () => {
    const c = loadConfig({});
    expect(c.sessionIdleTimeoutSeconds).toBe(28_800);
    expect(c.refreshTokenTtlSeconds).toBe(2_592_000);
    expect(c.sessionTtlSeconds).toBe(86_400);
    expect(problemsOf({ SESSION_IDLE_TIMEOUT_SECONDS: '0', REFRESH_TOKEN_TTL_SECONDS: 'soon' })).toEqual([
      expect.stringMatching(/^SESSION_IDLE_TIMEOUT_SECONDS/),
      expect.stringMatching(/^REFRESH_TOKEN_TTL_SECONDS/),
    ]);
  });

  it('refuses a PUBLIC_URL with a path', () => {
    expect(problemsOf({ PUBLIC_URL: 'https://app.example.com/app' })).toEqual([expect.stringMatching(/PUBLIC_URL/)]);
  });

  it('reads TRUST_PROXY as Express does: booleans, hop counts, or addresses', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(loadConfig({}).trustProxy).toBe('loopback');
  });
});
