import { defineConfig } from 'vitest/config';

// Against a real BFF process with the Cognito emulator: each file starts its own stack.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});
