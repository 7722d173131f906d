import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // the API's own tests use the testing kit from source; users get dist/testing (package.json "exports")
    alias: [{ find: /^@app\/api\/testing$/, replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) }],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // integration files each start their own emulator and API; two at a time suits 2 cores
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
    // deletes the keys of every testPrefix() a file used, after the file's own afterAll
    setupFiles: ['test/support/key-cleanup.ts'],
  },
});
