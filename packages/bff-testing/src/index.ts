// TEST ONLY: a real BFF (the built API as a child process) with the Cognito emulator, the demo
// upstream and Redis, plus the few browser behaviours Node lacks, for the client packages' tests.
export { startBffProcess, type BffProcess } from './bff-process.js';
export { CookieJar } from './cookie-jar.js';
export { CLIENT, PASSWORD, signInAt, startStack, type Stack, type StackOptions } from './stack.js';
export { browserFetch, browserWebSocket, type SentRequest, type SocketLog } from './browser.js';
export { packedFiles, type PackedFile } from './pack.js';
