/**
 * Writes the OpenAPI document to docs/openapi.json (`npm run openapi -w apps/api`), so other
 * clients can read it without running the API. test/openapi.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOpenApiFile } from '../src/endpoints/openapi.js';

const OPENAPI_FILE = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));

writeFileSync(OPENAPI_FILE, renderOpenApiFile());
console.log(`wrote ${OPENAPI_FILE}`);
