// The in-process entry point. oidc-provider is loaded only when an emulator is actually started
// here, so a test process that only spawns emulators never loads it.
import type { EmulatorOptions } from './options.js';

/** A running in-process emulator. */
export interface RunningEmulator {
  issuer: string;
  /** Origin of the hosted-UI endpoints (`/oauth2/*`, `/logout`, `/__emulator/*`). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a DEV/TEST ONLY Cognito-shaped OpenID provider in this process.
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-userpools-server-contract-reference.html
 */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const { startWith } = await import('./server.js');
  return startWith(opts);
}
