import react from '@vitejs/plugin-react';
import type { ProxyOptions } from 'vite';
import { defineConfig } from 'vite';

/** Where the BFF listens in development; the dev server forwards the browser's calls there. */
const apiOrigin = process.env.API_ORIGIN ?? 'http://localhost:3000';

// changeOrigin stays false so the API sees Host: localhost:5173 and the session cookie is set
// for the origin the browser actually uses; xfwd tells the API the original proto and host.
const toApi: ProxyOptions = { target: apiOrigin, changeOrigin: false, xfwd: true };

// Anchored patterns so that e.g. /authors or /apiary stay with the SPA.
const proxy: Record<string, ProxyOptions> = {
  '^/auth/': toApi,
  '^/session(?:$|\\?)': toApi,
  '^/api/': toApi,
};

export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: true, proxy },
  preview: { port: 4173, strictPort: true, proxy },
  build: { outDir: 'dist' },
});
