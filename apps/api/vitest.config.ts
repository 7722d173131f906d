import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Tests that kill a Redis primary or restart instances behind HAProxy and assert timings
 * ("503 within 2 s"): they run after everything else, one file at a time, so two of them never
 * starve each other of the two cores.
 */
const FAILOVER = [
  'test/sentinel.test.ts',
  'test/sentinel-fresh-start.test.ts',
  'test/sentinel-lagging-replica.test.ts',
  'test/sentinel-lagging-writes.test.ts',
  'test/cluster-failover.test.ts',
  'test/cluster-lagging-replica.test.ts',
  'test/rolling-restart.test.ts',
  'test/client-cache.test.ts',
];

const shared = {
  resolve: {
    // the API's own tests use the testing kit from source; users get dist/testing (package.json "exports")
    alias: [{ find: /^@app\/api\/testing$/, replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) }],
  },
} satisfies TestProjectInlineConfiguration;

const test = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  // deletes the keys of every testPrefix() a file used, after the file's own afterAll
  setupFiles: ['test/support/key-cleanup.ts'],
};

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    // integration files each start their own emulator and API; two at a time suits 2 cores
    maxWorkers: 2,
    projects: [
      { ...shared, test: { ...test, name: 'api', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: FAILOVER, sequence: { groupOrder: 0 } } },
      { ...shared, test: { ...test, name: 'failover', include: FAILOVER, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
