import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { TokenRecord, VersionedRecord } from '../tokens/token-record.js';
import { SessionService, type SessionServiceDeps } from './session-service.js';
import type { IndexedSession } from './user-sessions.js';

const NOW = Math.floor(Date.now() / 1000);

function recordOf(sub: string, refreshToken = `rt-${sub}`): TokenRecord {
  return { user: { sub }, refreshToken, sessionExpiresAt: NOW + 3600, createdAt: NOW } as unknown as TokenRecord;
}

/** A service over in-memory fakes that writes down, in order, what it was asked to do. */
function harness(options: { confirmed?: boolean; max?: number; indexed?: IndexedSession[]; live?: boolean } = {}) {
  const calls: string[] = [];
  const records = new Map<string, VersionedRecord>();
  const deps: SessionServiceDeps = {
    config: { maxSessionsPerUser: options.max ?? 0 },
    tokens: {
      create: async (sid, record) => {
        calls.push(`create ${sid}`);
        records.set(sid, { record, version: 1 } as VersionedRecord);
        return { confirmed: options.confirmed ?? true };
      },
      read: async (sid) => records.get(sid),
      delete: async (sid) => {
        calls.push(`delete ${sid}`);
        records.delete(sid);
      },
    },
    documents: {
      destroy: async (sid: string, done?: (err?: unknown) => void) => {
        calls.push(`destroy ${sid}`);
        done?.();
      },
    },
    userSessions: {
      register: async (sid) => (calls.push(`register ${sid}`), { confirmed: options.confirmed ?? true }),
      forget: async (sid) => void calls.push(`forget ${sid}`),
      list: async () => options.indexed ?? [],
      ofIdpSession: async () => [],
    },
    activity: {
      initial: () => ({ ttlSeconds: 60, plain: {} }),
      isLive: (current: VersionedRecord | undefined): current is VersionedRecord => current !== undefined && (options.live ?? true),
    },
    activeSessions: {
      started: async (sid) => void calls.push(`started ${sid}`),
      ended: async (sid) => void calls.push(`uncounted ${sid}`),
    },
    oidc: { revokeRefreshToken: async (token) => void calls.push(`revoke ${token}`) },
    logger: pino({ level: 'silent' }),
    ended: async (sid) => void calls.push(`ended ${sid}`),
  };
  return { service: new SessionService(deps), calls, records };
}

const signIn = (sid: string, record: TokenRecord, replaces = 'old') => ({ sid, record, userAgent: 'ua', replaces, saveDocument: async () => undefined });

describe('SessionService', () => {
  it('ends a session in one order: index entry (read from the token hash) first, keys, then the listener and the count', async () => {
    const { service, calls } = harness();
    await service.end('s1');
    expect(calls).toEqual(['forget s1', 'delete s1', 'destroy s1', 'ended s1', 'uncounted s1']);
  });

  it('starts a session: the replaced one ends, the new one is indexed and counted', async () => {
    const { service, calls } = harness();
    expect(await service.start(signIn('new', recordOf('alice')))).toEqual({ confirmed: true });
    expect(calls[0]).toBe('create new');
    expect(calls).toContain('register new');
    expect(calls).toContain('ended old');
    expect(calls.at(-1)).toBe('started new');
  });

  it('ends a half-made session like a sign-out when a replica did not confirm it, and neither limits nor counts it', async () => {
    const { service, calls } = harness({ confirmed: false, max: 1, indexed: [{ sid: 'other', handle: 'h', createdAt: NOW, lastSeenAt: NOW, userAgent: '' }] });
    expect(await service.start(signIn('new', recordOf('alice')))).toEqual({ confirmed: false });
    expect(calls).toContain('revoke rt-alice');
    expect(calls).toContain('ended new');
    expect(calls).not.toContain('ended other');
    expect(calls).not.toContain('started new');
  });

  it('enforces MAX_SESSIONS_PER_USER once the new session is indexed', async () => {
    const { service, calls, records } = harness({ max: 1, indexed: [{ sid: 'other', handle: 'h', createdAt: NOW, lastSeenAt: NOW, userAgent: '' }] });
    records.set('other', { record: recordOf('alice', 'rt-other'), version: 1 } as VersionedRecord);
    await service.start(signIn('new', recordOf('alice')));
    expect(calls).toContain('revoke rt-other');
    expect(calls.indexOf('ended other')).toBeGreaterThan(calls.indexOf('register new'));
    expect(calls.at(-1)).toBe('started new');
  });

  it('reads a session as live only by the one rule', async () => {
    const live = harness();
    live.records.set('s', { record: recordOf('bob'), version: 1 } as VersionedRecord);
    expect(await live.service.readLive('s')).toBeDefined();
    expect(await live.service.readLive('missing')).toBeUndefined();
    const idle = harness({ live: false });
    idle.records.set('s', { record: recordOf('bob'), version: 1 } as VersionedRecord);
    expect(await idle.service.readLive('s')).toBeUndefined();
  });
});
