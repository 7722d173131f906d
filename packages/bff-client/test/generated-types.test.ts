// The committed client types are openapi-typescript's output for docs/openapi.json, which
// apps/api/test/openapi.test.ts keeps equal to what the API's code describes. A change to the
// API's routes or schemas therefore fails one of the two tests until `npm run generate` is run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const OPENAPI_FILE = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));
const GENERATED_FILE = join(PACKAGE_DIR, 'src/generated/openapi.ts');

describe('the generated OpenAPI types', () => {
  it('are what openapi-typescript makes of docs/openapi.json today (else: npm run generate -w @app/bff-client)', () => {
    const pkg = createRequire(import.meta.url).resolve('openapi-typescript/package.json');
    const cli = join(dirname(pkg), 'bin/cli.js');
    const fresh = execFileSync(process.execPath, [cli, OPENAPI_FILE], { cwd: PACKAGE_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(fresh.length).toBeGreaterThan(1000);
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(fresh);
  });
});
