import { defineConfig } from 'vitest/config';

// synthesising the stack takes a few seconds on a busy machine
export default defineConfig({ test: { testTimeout: 60_000, include: ['test/**/*.test.ts'] } });
