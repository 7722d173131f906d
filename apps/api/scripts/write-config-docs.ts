/**
 * Writes docs/configuration.md's tables from the settings' declarations in src/config
 * (`npm run config-docs -w apps/api`). test/env-example.test.ts fails when they are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withSettingTables } from '../src/config/config-docs.js';

const REFERENCE = fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url));

writeFileSync(REFERENCE, withSettingTables(readFileSync(REFERENCE, 'utf8')));
console.log(`wrote ${REFERENCE}`);
