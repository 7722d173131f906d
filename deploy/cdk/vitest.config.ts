import { defineConfig } from 'vitest/config';

// Loading aws-cdk-lib and synthesising the stack take seconds, and far more on a busy 2-core CI
// machine: generous timeouts, one file at a time so the two files do not starve each other.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false, include: ['test/**/*.test.ts'] } });
