// Signed-in sessions for the benchmark, made fast and still honest: one real sign-in through the
// BFF and the emulator gives a real token record; every further session is that record written
// under its own new session id by the API's own TokenStore.create (the call the sign-in callback
// makes: sealed with AES-256-GCM bound to the sid, version 1, activity fields, idle TTL), with a
// cookie signed the way express-session signs it. So the BFF does for each one exactly what it
// does for a browser's session: verify the cookie's HMAC, one HGETALL, open and parse the record.
// Left out, because the proxy path never reads them: the express-session document, the user's
// session index and the active-session count.
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import signature from 'cookie-signature';
import pino from 'pino';
import { signIn } from '@app/cognito-emulator';
import type { Redis } from '../src/redis/client.js';
import { readSessionId } from '../src/session/cookie.js';
import { SessionActivity } from '../src/session/session-activity.js';
import { TokenCipher } from '../src/tokens/crypto.js';
import type { TokenRecord } from '../src/tokens/token-record.js';
import { TokenStore } from '../src/tokens/token-store.js';

export interface BenchSessions {
  /** The record of the one real sign-in. */
  record: TokenRecord;
  /** Writes `count` sessions (the record, changed by `patch`) and returns their `Cookie` values. */
  create(count: number, patch?: Partial<TokenRecord>): Promise<string[]>;
  /** Deletes every key under the prefix. */
  cleanUp(): Promise<void>;
  close(): Promise<void>;
}

/** Signs in once through the BFF at `base`, then mints sessions like that one. */
export async function benchSessions(base: string, opts: { redisUrl: string; prefix: string; secret: string; cookieName: string }): Promise<BenchSessions> {
  const redis = createClient({ url: opts.redisUrl });
  await redis.connect();
  const tokens = new TokenStore(redis as unknown as Redis, new TokenCipher(opts.secret), opts.prefix);
  const activity = new SessionActivity(redis as unknown as Redis, tokens, () => '', 1800, pino({ level: 'silent' }));

  const login = await fetch(`${base}/auth/login`, { redirect: 'manual' });
  const loginCookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const callback = await signIn(login.headers.get('location')!, 'alice', 'Passw0rd!');
  const done = await fetch(callback, { redirect: 'manual', headers: { cookie: loginCookie } });
  const cookie = done.headers.getSetCookie()[0]!.split(';')[0]!;
  const sid = readSessionId(cookie, opts.cookieName, opts.secret);
  const signedIn = sid ? await tokens.read(sid) : undefined;
  if (!signedIn) throw new Error('the benchmark sign-in left no token record');
  const record = signedIn.record;

  return {
    record,
    async create(count, patch = {}) {
      const cookies: string[] = [];
      for (let i = 0; i < count; i += 100) {
        const batch = Array.from({ length: Math.min(100, count - i) }, async () => {
          const id = randomBytes(24).toString('base64url');
          const r = { ...record, ...patch };
          await tokens.create(id, r, activity.initial(r, 'bench'));
          cookies.push(`${opts.cookieName}=${encodeURIComponent(`s:${signature.sign(id, opts.secret)}`)}`);
        });
        await Promise.all(batch);
      }
      return cookies;
    },
    async cleanUp() {
      for await (const keys of redis.scanIterator({ MATCH: `${opts.prefix}*`, COUNT: 1000 })) if (keys.length) await redis.unlink(keys);
    },
    close: () => redis.close(),
  };
}
