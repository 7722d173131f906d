// DEV AND TEST ONLY: a local OpenID provider shaped like an Amazon Cognito user pool.
export {
  type BackchannelDelivery,
  DEFAULT_CLIENT,
  DEFAULT_M2M_CLIENT,
  DEFAULT_RESOURCE_SERVERS,
  DEFAULT_USERS,
  type EmulatorBehaviour,
  type EmulatorClient,
  type EmulatorOptions,
  type EmulatorStats,
  type OAuthFlow,
  type ResourceServer,
  type SeedUser,
} from './options.js';
export { startEmulator, type RunningEmulator } from './start.js';
export { spawnEmulator, type SpawnedEmulator } from './spawn.js';
export { CookieJar, signIn } from './sign-in.js';
/**
 * The private signing key every emulator this process spawns or starts signs with (test only):
 * lets a test forge tokens the emulator's JWKS vouches for, e.g. malformed back-channel logout tokens.
 */
export { processSigningKey as emulatorSigningKey } from './keys.js';
