import 'express-session';

declare module 'express-session' {
  interface SessionData {
    /** Pending sign-ins (validated with zod when read back). */
    logins?: unknown;
    /** Set at sign-in; the tokens themselves live in the sealed token record, never here. */
    user?: { sub: string };
    createdAt?: number;
  }
}
