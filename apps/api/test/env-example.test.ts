import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { withSettingTables } from '../src/config/config-docs.js';
import { envSchema, loadConfig } from '../src/config/config.js';

const EXAMPLE = readFileSync(fileURLToPath(new URL('../.env.example', import.meta.url)), 'utf8');
// the configuration reference the README links to
const REFERENCE = readFileSync(fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url)), 'utf8');
// every variable the API reads: the keys of the one schema that declares them
const DECLARED = Object.keys(envSchema.shape);

describe('apps/api/.env.example', () => {
  it('is accepted by the production configuration once PUBLIC_URL and API_UPSTREAM_URL are set', () => {
    const config = loadConfig({ NODE_ENV: 'production', ...parse(EXAMPLE), PUBLIC_URL: 'https://app.example.com', API_UPSTREAM_URL: 'https://api.example.com' });
    expect(config.cognito.issuer).toMatch(/^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9-]+_\w+$/);
    expect(config.refreshTokenTtlSeconds).toBe(30 * 24 * 3600);
  });

  it('names only variables the configuration declares (and so docs/configuration.md documents), set or commented out', () => {
    const names = [...EXAMPLE.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1] as string);
    expect(names).toEqual(expect.arrayContaining(['COGNITO_ISSUER', 'COGNITO_CLIENT_SECRET', 'REFRESH_TOKEN_TTL_SECONDS', 'PUBLIC_URL']));
    expect(names.filter((name) => !DECLARED.includes(name))).toEqual([]);
  });
});

describe('docs/configuration.md', () => {
  it('documents every variable the configuration schema reads', () => {
    expect(DECLARED).toEqual(expect.arrayContaining(['PORT', 'SESSION_SECRET', 'SHUTDOWN_DRAIN_MS', 'OTEL_EXPORTER_OTLP_ENDPOINT']));
    expect(DECLARED.filter((name) => !REFERENCE.includes(`| \`${name}\` |`))).toEqual([]);
  });

  it('has the tables the declarations generate (run `npm run config-docs -w apps/api` after changing a setting)', () => {
    expect(REFERENCE).toBe(withSettingTables(REFERENCE));
  });
});
