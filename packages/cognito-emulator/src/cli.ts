#!/usr/bin/env node
// `cognito-emulator`: runs the DEV/TEST ONLY Cognito user-pool emulator until SIGTERM/SIGINT.
import { rmSync } from 'node:fs';
import { defaultClients, DEFAULT_CLIENT, resolveOptions, type InternalOptions } from './options.js';
import { startWith } from './server.js';

/** Where `npm run dev`'s API receives back-channel logout (the API listens on 127.0.0.1:3000 in dev). */
const DEV_BACKCHANNEL_LOGOUT_URI = 'http://127.0.0.1:3000/auth/backchannel-logout';

function envOptions(env: NodeJS.ProcessEnv): InternalOptions {
  const opts: InternalOptions = { port: env.EMULATOR_PORT ? Number(env.EMULATOR_PORT) : 4010 };
  if (env.EMULATOR_HOST) opts.host = env.EMULATOR_HOST;
  if (env.EMULATOR_POOL_ID) opts.poolId = env.EMULATOR_POOL_ID;
  if (env.EMULATOR_ACCESS_TOKEN_TTL) opts.accessTokenTtlSeconds = Number(env.EMULATOR_ACCESS_TOKEN_TTL);
  if (env.EMULATOR_M2M_ACCESS_TOKEN_TTL) opts.clientCredentialsTtlSeconds = Number(env.EMULATOR_M2M_ACCESS_TOKEN_TTL);
  if (env.EMULATOR_ROTATE_REFRESH_TOKENS === '1' || env.EMULATOR_ROTATE_REFRESH_TOKENS === 'true') {
    opts.rotateRefreshTokens = true;
  }
  // Run by hand or by `npm run dev` (no EMULATOR_OPTIONS, unlike spawnEmulator's children): the
  // default client gets the dev API's receiver. A receiver nobody listens on refuses the connection
  // at once, so sign-out is neither failed nor slowed. EMULATOR_BACKCHANNEL_LOGOUT_URI="" turns it off.
  const backchannel = env.EMULATOR_BACKCHANNEL_LOGOUT_URI ?? (env.EMULATOR_OPTIONS ? '' : DEV_BACKCHANNEL_LOGOUT_URI);
  if (backchannel) {
    opts.clients = defaultClients().map((c) => (c.clientId === DEFAULT_CLIENT.clientId ? { ...c, backchannelLogoutUri: backchannel } : c));
  }
  if (env.EMULATOR_OPTIONS) {
    const json: unknown = JSON.parse(env.EMULATOR_OPTIONS);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new TypeError('EMULATOR_OPTIONS must be a JSON object');
    }
    Object.assign(opts, json);
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = envOptions(process.env);
  const resolved = resolveOptions(opts);
  const emulator = await startWith(opts);
  console.log(
    `Cognito emulator (DEV/TEST ONLY) issuer=${emulator.issuer}` +
      ` users=${resolved.users.map((u) => u.username).join(',')}` +
      ` client=${resolved.clients.map((c) => c.clientId).join(',')}`,
  );

  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    emulator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('cognito-emulator: error while stopping', err);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // Started by spawnEmulator: stdin is a pipe from the parent, closed when the parent dies
  // (even by SIGKILL), so the emulator never outlives the test process.
  if (process.env.EMULATOR_EXIT_WITH_STDIN === '1') {
    const orphaned = () => {
      if (resolved.stateFile) rmSync(resolved.stateFile, { force: true });
      shutdown();
    };
    process.stdin.on('end', orphaned);
    process.stdin.on('close', orphaned);
    process.stdin.resume();
  }
}

main().catch((err: unknown) => {
  console.error(`cognito-emulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
