import { destination as pinoDestination, pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks out wherever they appear: credentials, cookies and every kind of token. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.accessToken',
  '*.refreshToken',
  '*.idToken',
  '*.client_secret',
  '*.clientSecret',
  '*.sessionSecret',
  '*.sessionSecrets',
  '*.previousSessionSecrets',
];

/**
 * The process's log destination: stdout through a buffer of `bufferBytes` that is written out when
 * full, every `flushMs` and when the process exits (also after an uncaught exception), so a busy
 * instance makes one `write` per few dozen lines instead of one per line (docs/benchmarks.md).
 * What a crash that skips 'exit' (SIGKILL, the kernel's OOM killer) loses is at most one buffer.
 */
export function stdoutDestination(options: { bufferBytes?: number; flushMs?: number } = {}): DestinationStream & { flushSync(): void } {
  const destination = pinoDestination({ dest: 1, sync: true, minLength: options.bufferBytes ?? 4096, periodicFlush: options.flushMs ?? 250 });
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // stdout is gone (a closed pipe): nothing left to save the lines to
    }
  });
  return destination;
}

/** Creates the process logger (JSON lines, secrets redacted) writing to stdout, or to `destination` (tests capture it). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'cognito-bff' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** What a log line says about an error: name, message and code, never the object with its causes (which may hold request data). */
export function errorSummary(err: unknown): { name?: string; message: string; code?: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
}
