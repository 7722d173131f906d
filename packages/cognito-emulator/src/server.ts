// Starts one emulator in this process: an HTTP server in front of an oidc-provider instance.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccessTokenCodec } from './access-token.js';
import { cognitoShape, countRefreshTokenReuse } from './cognito-shape.js';
import { createHandler } from './handler.js';
import { createCookieKeys, processSigningKey } from './keys.js';
import { resolveOptions, type InternalOptions } from './options.js';
import { createProvider } from './provider.js';
import type { Runtime } from './runtime.js';
import { EmulatorState } from './state.js';

import type { RunningEmulator } from './start.js';

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts an emulator with the public and internal (spawnEmulator's) options. */
export async function startWith(opts: InternalOptions): Promise<RunningEmulator> {
  const options = resolveOptions(opts);
  const signingKey = options.signingKey ?? (await processSigningKey());
  const cookieKeys = options.cookieKeys ?? createCookieKeys();

  const server = createServer();
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(options.host)}:${port}`;
  const issuer = `${url}/${options.poolId}`;

  const base = {
    options,
    issuer,
    state: new EmulatorState(options.stateFile),
    codec: await createAccessTokenCodec(signingKey, issuer),
    usersBySub: new Map(options.users.map((u) => [u.sub, u])),
    clients: new Map(options.clients.map((c) => [c.clientId, c])),
  };
  const rt: Runtime = {
    ...base,
    behaviour: { tokenDelayMs: 0, tokenFailureStatus: null },
    inFlight: { tokenRequests: 0 },
    provider: createProvider(base, { signingKey, cookieKeys }),
  };
  rt.provider.use(cognitoShape(rt));
  countRefreshTokenReuse(rt);
  server.on('request', createHandler(rt, rt.provider.callback()));

  return {
    issuer,
    url,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
