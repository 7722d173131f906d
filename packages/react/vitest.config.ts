import { defineConfig } from 'vitest/config';

// Hooks in jsdom (Testing Library) against a real BFF process, the Cognito emulator and Redis:
// each file starts its own stack, one file at a time (2 shared cores, timing-sensitive tests).
export default defineConfig({
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    restoreMocks: true,
    unstubGlobals: true,
    // the stack's packages are Node code: loaded by Node as built, not transformed for a page
    // (Vite would turn their `new URL(…, import.meta.url)` into asset URLs)
    server: { deps: { external: [/\/packages\/(bff-testing|cognito-emulator|demo-upstream)\//, /\/apps\/api\//] } },
  },
});
