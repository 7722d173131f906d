import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';

const EXAMPLE = readFileSync(fileURLToPath(new URL('../.env.example', import.meta.url)), 'utf8');
// the configuration reference the README links to
const REFERENCE = readFileSync(fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url)), 'utf8');

describe('apps/api/.env.example', () => {
  it('is accepted by the production configuration once PUBLIC_URL and API_UPSTREAM_URL are set', () => {
    const config = loadConfig({ NODE_ENV: 'production', ...parse(EXAMPLE), PUBLIC_URL: 'https://app.example.com', API_UPSTREAM_URL: 'https://api.example.com' });
    expect(config.cognito.issuer).toMatch(/^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9-]+_\w+$/);
    expect(config.refreshTokenTtlSeconds).toBe(30 * 24 * 3600);
  });

  it('names only variables of the configuration reference (docs/configuration.md), set or commented out', () => {
    const names = [...EXAMPLE.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(['COGNITO_ISSUER', 'COGNITO_CLIENT_SECRET', 'REFRESH_TOKEN_TTL_SECONDS', 'PUBLIC_URL']));
    const undocumented = names.filter((name) => !new RegExp(`^\\| \`${name}\``, 'm').test(REFERENCE) && !REFERENCE.includes(`\`${name}\` / `) && !REFERENCE.includes(` / \`${name}\``));
    expect(undocumented).toEqual([]);
  });
});

describe('docs/configuration.md', () => {
  it('documents every variable the configuration schema reads', () => {
    const source = readFileSync(fileURLToPath(new URL('../src/config/config.ts', import.meta.url)), 'utf8');
    const schema = source.slice(source.indexOf('const envSchema = z.object({'), source.indexOf('\n});', source.indexOf('const envSchema')));
    const names = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1] as string);
    expect(names).toEqual(expect.arrayContaining(['PORT', 'SESSION_SECRET', 'SHUTDOWN_DRAIN_MS']));
    const documented = (name: string) => REFERENCE.includes(`\`${name}\``);
    expect(names.filter((name) => !documented(name))).toEqual([]);
  });
});
