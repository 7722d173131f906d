import { pino, type DestinationStream, type Logger } from 'pino';

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
