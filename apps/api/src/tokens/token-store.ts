import type { Redis } from '../redis/client.js';
import type { ReplicatedWrites } from '../redis/replication.js';
import { CHECK_FIELDS, type CheckedFields, type SessionReadCache } from '../redis/session-read-cache.js';
import { SEAL_TAG_CHARS, sealTag, type TokenCipher } from './crypto.js';
import { SESSION_FIELDS, sessionKeys, tokensKey } from '../redis/keyspace.js';
import { Lru } from '../kernel/lru.js';
import { tokenRecordSchema, type TokenRecord, type VersionedRecord } from './token-record.js';

/**
 * Every script that writes `d` writes `t`, its seal tag (crypto.ts `sealTag`), from the same
 * argument: the hot path compares `v` and `t` instead of reading `d` (see {@link TokenStore.readForRequest}).
 */
const { version: V, sealed: D, sealTag: T } = SESSION_FIELDS;
const TAG = (arg: string) => `'${T}', string.sub(${arg}, 1, ${SEAL_TAG_CHARS})`;

/** Lua: write the record only if it is still at the version the writer read (and still exists). */
const COMPARE_AND_SET = `
if redis.call('HGET', KEYS[1], '${V}') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], '${V}', tostring(tonumber(ARGV[1]) + 1), '${D}', ARGV[2], ${TAG('ARGV[2]')})
return 1`;

/**
 * Lua: replace the sealed record with the same record sealed under the current key, only if it is
 * still at the version it was read at. The version is not bumped: the content is unchanged, so a
 * refresh that read the same version may still write (a bump would make its result 'stale').
 */
const RESEAL = `
if redis.call('HGET', KEYS[1], '${V}') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], '${D}', ARGV[2], ${TAG('ARGV[2]')})
return 1`;

/**
 * Lua: the compare-and-set of a refresh's result, safe to repeat until a replica confirms it:
 * 1 = written now; 2 = already there (written again, so that `WAIT` on this connection covers it);
 * 0 = somebody else's write won.
 */
const COMPARE_AND_SET_REPEATABLE = `
local v = redis.call('HGET', KEYS[1], '${V}')
if v == ARGV[1] then
  redis.call('HSET', KEYS[1], '${V}', tostring(tonumber(ARGV[1]) + 1), '${D}', ARGV[2], ${TAG('ARGV[2]')})
  return 1
end
if v == tostring(tonumber(ARGV[1]) + 1) and redis.call('HGET', KEYS[1], '${D}') == ARGV[2] then
  redis.call('HSET', KEYS[1], '${D}', ARGV[2], ${TAG('ARGV[2]')})
  return 2
end
return 0`;

/** Lua: replace whatever was there with version 1 of a new session's record, expiring with the session. */
const CREATE = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '${V}', '1', '${D}', ARGV[1], ${TAG('ARGV[1]')}, unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Lua: delete every key of a session (one slot: the `{sid}` hash tag). */
const DELETE = `return redis.call('DEL', unpack(KEYS))`;

/** How long the deletion of an ended session is repeated until a replica confirms it. */
const END_CONFIRM_MS = 15_000;

/** Fields only the token store writes; `create`'s plain fields may not use them. */
const OWN_FIELDS = new Set<string>([V, D, T]);

/** A record opened once: the tag and version it was read at, and whether the current key sealed it. */
interface OpenedRecord {
  tag: string;
  version: number;
  record: TokenRecord;
  current: boolean;
  /** Redis held this tag in `t` when the record was read: false for a record written by a build without tags, which the tag check can never confirm. */
  tagged: boolean;
}

/** Outcome of a versioned write. */
export type WriteResult = 'written' | 'stale';

/** A record sealed once, so that a write can be repeated byte for byte (see {@link TokenStore.compareAndSetReplicated}). */
export interface SealedWrite {
  sid: string;
  expectedVersion: number;
  sealed: string;
}

/**
 * The only module that reads and writes token records. A record is one Redis hash per session,
 * `{ v, d, t }`: `d` is the AES-GCM-sealed JSON, `v` a version that every write bumps through a
 * compare-and-set script, so a request that read an older copy can never write it back, and `t`
 * the seal tag of `d` (written with it by the same script).
 */
export class TokenStore {
  /**
   * Records already opened, by sid, with the seal tag and version they were read at: decrypting
   * and validating once per version, not per request, and the hot path's check of a known record
   * is `HMGET v t s` (a few bytes) instead of the ~3 KB `d`.
   */
  readonly #opened = new Lru<string, OpenedRecord>(4096);

  constructor(
    private readonly redis: Redis,
    private readonly cipher: TokenCipher,
    private readonly prefix: string,
    /** Set with Sentinel or a Cluster with replicas: refresh results wait for a replica (docs/adr/0005). */
    private readonly replicated?: ReplicatedWrites,
    /** With `REDIS_CLIENT_CACHE`: serves {@link TokenStore.readForRequest} from a client-side cache Redis keeps coherent. */
    private readonly cache?: SessionReadCache,
  ) {}

  /** Key names of a session. */
  keys(sid: string) {
    return sessionKeys(this.prefix, sid);
  }

  /**
   * Reads a session's record from Redis with one round trip (`HGETALL`); `undefined` when there
   * is none or it does not open. Never from any cache of Redis's answer: every read that decides
   * a write (a refresh under the lease, ending a session) comes here, so a refresh token is only
   * ever redeemed as Redis holds it.
   */
  async read(sid: string): Promise<VersionedRecord | undefined> {
    return this.#open(sid, await this.redis.hGetAll(tokensKey(this.prefix, sid)));
  }

  /**
   * {@link TokenStore.read} for deciding who a request is (cookie lookup on `/api/*`, `/session`,
   * upgrades, forward auth), at most one round trip and always Redis's word on the record's state:
   * - a record this process has opened is checked with `HMGET v t s`; when the version and seal
   *   tag are the ones it was opened at, it is the same record, else the record is read whole, as
   *   by {@link TokenStore.read}; an ended session has no `v` and is gone at once, on every instance;
   * - with the client-side cache on, that check comes from the cache when Redis has not
   *   invalidated it since it was read (no command at all), and every read goes over the tracked
   *   connection, so Redis pushes an invalidation when any instance changes, ends or expires the
   *   session (docs/adr/0007-client-side-cache.md);
   * - a record whose `t` did not match its `d` when it was read (written by a build without tags)
   *   is read whole at once: the check could only fail, and would cost a second round trip.
   */
  readForRequest(sid: string): Promise<VersionedRecord | undefined> {
    const key = tokensKey(this.prefix, sid);
    const known = this.#opened.get(sid);
    if (!known?.tagged) return this.#readWhole(sid, key);
    const cache = this.cache;
    if (!cache) return this.redis.hmGet(key, CHECK_FIELDS).then((fields) => this.#checked(sid, key, known, fields as unknown as CheckedFields));
    const hit = cache.peek(key);
    if (hit) return Promise.resolve(this.#checked(sid, key, known, hit));
    return cache.check(key).then((fields) => this.#checked(sid, key, known, fields));
  }

  /** A known record against Redis's `v t s`: the same record, gone, or changed (then read whole). */
  #checked(sid: string, key: string, known: OpenedRecord, [v, t, s]: CheckedFields): VersionedRecord | undefined | Promise<VersionedRecord | undefined> {
    if (v == null) return undefined;
    if (t !== known.tag || Number(v) !== known.version) return this.#readWhole(sid, key);
    return found(known, s);
  }

  /** The request path's whole read: over the cache's tracked connection when there is one. */
  #readWhole(sid: string, key: string): Promise<VersionedRecord | undefined> {
    return (this.cache ?? this.redis).hGetAll(key).then((hash) => this.#open(sid, hash));
  }

  #open(sid: string, hash: Record<string, string>): VersionedRecord | undefined {
    const sealed = hash[D];
    const version = Number(hash[V]);
    if (!sealed || !Number.isInteger(version)) return undefined;
    const tag = sealTag(sealed);
    const tagged = hash[T] === tag;
    let opened = this.#opened.get(sid);
    if (opened?.tag !== tag) {
      let json: unknown;
      let current: boolean;
      try {
        const result = this.cipher.openWithKey(sealed, sid);
        json = JSON.parse(result.plaintext);
        current = result.current;
      } catch {
        return undefined; // tampered with, or sealed under a secret no longer in the ring: treated as no session
      }
      const parsed = tokenRecordSchema.safeParse(json);
      if (!parsed.success) return undefined;
      opened = { tag, version, record: parsed.data, current, tagged };
      this.#opened.set(sid, opened);
    } else if (opened.version !== version || opened.tagged !== tagged) {
      // the same seal at another version (a repeated write of a refresh's result, compareAndSetReplicated) or now tagged
      opened = { ...opened, version, tagged };
      this.#opened.set(sid, opened);
    }
    return found(opened, hash[SESSION_FIELDS.lastSeen]);
  }

  /**
   * Creates the record of a new session at version 1, expiring with the session (or after
   * `options.ttlSeconds`, when shorter: the idle timeout). `options.plain` adds unsealed fields
   * (activity and listing metadata, never a token) to the same hash. `confirmed`: a replica has it
   * (always true without replicas).
   */
  async create(sid: string, record: TokenRecord, options: { ttlSeconds?: number; plain?: Record<string, string> } = {}): Promise<{ confirmed: boolean }> {
    const key = this.keys(sid).tokens;
    const absolute = record.sessionExpiresAt - Math.floor(Date.now() / 1000);
    const ttl = Math.max(1, Math.min(absolute, options.ttlSeconds ?? absolute));
    // one script rather than MULTI: every command goes through the client's deadline (redis/client.ts)
    const plain = Object.entries(options.plain ?? {}).filter(([field]) => !OWN_FIELDS.has(field));
    const args = [this.cipher.seal(JSON.stringify(record), sid), String(ttl), ...plain.flat()];
    const replicated = this.replicated;
    if (!replicated) {
      await this.#writing(key, () => this.redis.eval(CREATE, { keys: [key], arguments: args }));
      return { confirmed: true };
    }
    // with replicas, a new session waits (briefly) for one to have it, so a failover right after
    // sign-in does not lose it (docs/adr/0005); unconfirmed, the caller does not go on with it
    const { confirmed } = await this.#writing(key, () => replicated.eval(key, CREATE, [key], args));
    return { confirmed };
  }

  /** Replaces the record if it is still at `expectedVersion`; keeps the key's expiry. */
  async compareAndSet(sid: string, expectedVersion: number, record: TokenRecord): Promise<WriteResult> {
    const key = this.keys(sid).tokens;
    const result = await this.#writing(key, () =>
      this.redis.eval(COMPARE_AND_SET, { keys: [key], arguments: [String(expectedVersion), this.cipher.seal(JSON.stringify(record), sid)] }),
    );
    return result === 1 ? 'written' : 'stale';
  }

  /**
   * Seals a record that a previous secret's key opened again with the current key, if it is still
   * at the version it was read at (else a newer write, sealed with the current key, won anyway).
   */
  async reseal(sid: string, current: VersionedRecord): Promise<WriteResult> {
    const key = this.keys(sid).tokens;
    const result = await this.#writing(key, () =>
      this.redis.eval(RESEAL, { keys: [key], arguments: [String(current.version), this.cipher.seal(JSON.stringify(current.record), sid)] }),
    );
    return result === 1 ? 'written' : 'stale';
  }

  /** Seals `record` for {@link TokenStore.compareAndSetReplicated}: once, so every attempt writes the same bytes. */
  sealForWrite(sid: string, expectedVersion: number, record: TokenRecord): SealedWrite {
    return { sid, expectedVersion, sealed: this.cipher.seal(JSON.stringify(record), sid) };
  }

  /**
   * The compare-and-set of a refresh's result, followed by `WAIT` for one replica when the
   * deployment has replicas; repeatable: a write already in place is written again and waited for.
   * `confirmed: false` means the primary has it and no replica confirmed it yet.
   */
  async compareAndSetReplicated(write: SealedWrite): Promise<{ outcome: WriteResult; confirmed: boolean }> {
    const key = this.keys(write.sid).tokens;
    const args = [String(write.expectedVersion), write.sealed];
    const { result, confirmed } = await this.#writing(key, async () =>
      this.replicated
        ? this.replicated.eval(key, COMPARE_AND_SET_REPEATABLE, [key], args)
        : { result: await this.redis.eval(COMPARE_AND_SET_REPEATABLE, { keys: [key], arguments: args }), confirmed: true },
    );
    return result === 0 ? { outcome: 'stale', confirmed } : { outcome: 'written', confirmed };
  }

  /**
   * Deletes a session's record, lease and failure marker. With replicas the deletion is repeated
   * (on the new primary after a failover) until a replica confirms it: a failover must not bring
   * back a session that was signed out.
   */
  async delete(sid: string): Promise<void> {
    const k = this.keys(sid);
    const keys = [k.tokens, k.lease, k.refreshFailed];
    const replicated = this.replicated;
    await this.#writing(k.tokens, async () => {
      if (replicated) await replicated.evalUntilConfirmed(k.tokens, DELETE, keys, [], Date.now() + END_CONFIRM_MS);
      else await this.redis.del(keys);
    });
  }

  /**
   * Runs a write of `key` and then drops the key from this process's client-side cache, whatever
   * the outcome (a write that timed out may still have landed): Redis's invalidation push reaches
   * the cache on its own connection, a moment later than the reply to the write.
   */
  async #writing<T>(key: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.cache?.invalidate(key);
    }
  }
}

/** What a read returns for an opened record; `s` is the hash's last-activity field. */
function found(opened: OpenedRecord, s: string | null | undefined): VersionedRecord {
  const result: VersionedRecord = { version: opened.version, record: opened.record };
  const lastSeen = Number(s);
  if (s && Number.isInteger(lastSeen)) result.lastSeen = lastSeen;
  if (!opened.current) result.sealedWithPreviousSecret = true;
  return result;
}

export type { TokenRecord };
