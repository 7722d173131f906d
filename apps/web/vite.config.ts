import { API_ROUTE_PATTERNS } from '@app/shared-types';
import react from '@vitejs/plugin-react';
import type { ProxyOptions } from 'vite';
import { defineConfig } from 'vite';

/**
 * Where the BFF listens in development; the dev server forwards the browser's calls there.
 * `npm run dev` sets it; the dev-server proxy test points it at a recording server.
 */
const apiOrigin = process.env.API_ORIGIN ?? 'http://localhost:3000';

// changeOrigin stays false so the API sees Host: localhost:5173 and the session cookie is set
// for the origin the browser actually uses; xfwd tells the API the original proto and host.
// ws: WebSocket upgrades (the live feed on /api/live) go to the API too, Origin unchanged.
const toApi: ProxyOptions = { target: apiOrigin, changeOrigin: false, xfwd: true, ws: true };

// Every API route, from the one list in @app/shared-types, so the dev server never answers an API
// path with index.html. Anchored: `/sessions` and `/sessions/x` go to the API, `/sessionsx` stays.
const proxy: Record<string, ProxyOptions> = Object.fromEntries(API_ROUTE_PATTERNS.map((pattern) => [pattern, toApi]));

// cors: false, else the dev server answers every OPTIONS itself (204) and `OPTIONS /api/*` never
// reaches the API; the app is same-origin, so it needs no CORS from the dev server.
export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: true, cors: false, proxy },
  preview: { port: 4173, strictPort: true, cors: false, proxy },
  build: { outDir: 'dist' },
});
