import { defineConfig } from 'vitest/config';

// Every test file starts its own emulator child process (via tsx), so hooks get time to spawn it.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
