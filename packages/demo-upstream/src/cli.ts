#!/usr/bin/env node
// `demo-upstream`: the DEV ONLY demo API, until SIGTERM/SIGINT.
import { startDemoUpstream } from './index.js';

const env = process.env;
const issuer = env.COGNITO_ISSUER ?? 'http://127.0.0.1:4010/local-1_Emulator';

startDemoUpstream({
  port: Number(env.DEMO_UPSTREAM_PORT ?? 4020),
  host: env.DEMO_UPSTREAM_HOST ?? '127.0.0.1',
  issuer,
  ...(env.COGNITO_CLIENT_ID ? { clientId: env.COGNITO_CLIENT_ID } : {}),
  verify: env.DEMO_UPSTREAM_VERIFY !== '0',
}).then(
  (upstream) => {
    console.log(`Demo upstream (DEV ONLY) url=${upstream.url} issuer=${issuer}`);
    const shutdown = () => {
      upstream.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  },
  (err: unknown) => {
    console.error(`demo-upstream: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
