import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.ts';

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      restoreMocks: true,
      unstubGlobals: true,
      unstubEnvs: true,
      projects: [
        // The app's components and API client, in jsdom, behind the shared MSW server.
        {
          extends: true,
          test: { name: 'app', environment: 'jsdom', setupFiles: ['./src/testing/setup.ts'], include: ['src/**/*.test.{ts,tsx}'] },
        },
        // Real servers over real sockets (the Vite dev server): no jsdom, no MSW in the way.
        { extends: true, test: { name: 'servers', environment: 'node', include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 } },
      ],
    },
  }),
);
