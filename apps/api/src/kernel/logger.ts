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
 * Lines gathered in memory and handed to the underlying destination as one chunk once `batchChars`
 * have gathered, every `flushMs`, and on {@link BatchedDestination.flushSync}. Gathering in an array
 * and joining once per chunk, rather than sonic-boom's `minLength` buffer, which appends each line
 * to one string and measures that whole string again on every write (a copy per line).
 */
export class BatchedDestination implements DestinationStream {
  #lines: string[] = [];
  #chars = 0;

  constructor(
    private readonly out: { write(chunk: string): unknown; flushSync?(): void },
    private readonly batchChars = 4096,
    flushMs = 250,
  ) {
    setInterval(() => this.flush(), flushMs).unref();
  }

  write(line: string): void {
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= this.batchChars) this.flush();
  }

  /** Hands what has gathered to the underlying destination. */
  flush(): void {
    if (this.#lines.length === 0) return;
    const chunk = this.#lines.length === 1 ? this.#lines[0]! : this.#lines.join('');
    this.#lines = [];
    this.#chars = 0;
    this.out.write(chunk);
  }

  /** Writes everything out before returning (process exit). */
  flushSync(): void {
    this.flush();
    this.out.flushSync?.();
  }
}

/**
 * The process's log destination: stdout (sonic-boom, synchronous writes, retried when the pipe is
 * full) behind a {@link BatchedDestination}, so a busy instance makes one `write` per few dozen
 * lines instead of one per line (docs/benchmarks.md). Written out when 4 KB have gathered, every
 * 250 ms, and when the process exits (also after an uncaught exception). What a death that skips
 * 'exit' (SIGKILL, the kernel's OOM killer) loses is at most 250 ms of lines.
 */
export function stdoutDestination(options: { batchChars?: number; flushMs?: number } = {}): BatchedDestination {
  const destination = new BatchedDestination(pinoDestination({ dest: 1, sync: true }), options.batchChars, options.flushMs);
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

/** {@link errorSummary} and the stack (which holds the message and frames, never the error's other properties): what a bug is logged with. */
export function errorWithStack(err: unknown): { name?: string; message: string; code?: string; stack?: string } {
  const summary = errorSummary(err);
  return err instanceof Error && err.stack ? { ...summary, stack: err.stack } : summary;
}
