import { z } from 'zod';
import { integer, listOf, optional, text, url, withDefault, type EnvOf, type SettingGroup } from './setting.js';

/**
 * `REDIS_CLIENT_CACHE` when unset (docs/adr/0007-client-side-cache.md): on, except under Sentinel.
 * A hit costs a `Map` lookup where the read it saves is a Redis round trip (CPU per request at a
 * fixed rate 0.89x the bare proxy's with it, 1.00x without, docs/benchmarks.md), and Redis
 * invalidates it the moment any instance changes or ends the session (test/client-cache.test.ts).
 */
export const DEFAULT_CLIENT_CACHE = true;

/** Redis: where it is, its topology, the key prefix and the client-side cache. */
export const redisSettings = {
  title: 'Redis',
  settings: {
    REDIS_URL: withDefault(url(['redis:', 'rediss:']), { default: 'redis://127.0.0.1:6379', doc: 'Redis for sessions and tokens (`redis://`, `rediss://`)' }),
    REDIS_KEY_PREFIX: withDefault(text(), { default: 'bff:', doc: 'prefix of every key (share one Redis between apps or test runs)' }),
    REDIS_CLUSTER_NODES: optional(text(), {
      doc: 'seed nodes of a **Redis Cluster**, `host:port,host:port,…` (or `redis://` URLs); when set the cluster client is used and `REDIS_URL` only lends its credentials and `rediss:` TLS',
      unset: 'unset (one server)',
    }),
    REDIS_SENTINEL_NODES: optional(text(), {
      doc: 'sentinels (`host:port,…`) watching a primary with replicas; needs `REDIS_SENTINEL_MASTER`, and not with `REDIS_CLUSTER_NODES`. `REDIS_URL` lends credentials and `rediss:` TLS to the primary and replicas (sentinels get TLS only)',
      unset: 'unset',
    }),
    REDIS_SENTINEL_MASTER: optional(text(), { doc: 'the name the sentinels of `REDIS_SENTINEL_NODES` monitor the primary under; both or neither', unset: 'unset' }),
    REDIS_CLIENT_CACHE: optional(z.enum(['on', 'off', 'true', 'false', '1', '0']), {
      doc: '`on`: a request for a session the instance knows costs no Redis command: the instance keeps each session\'s version, seal tag and last activity (and the opened record, as always) and Redis invalidates them the moment any instance changes, deletes or expires the session (RESP3 `CLIENT TRACKING`, Redis 6+), so an ended session is still refused everywhere at once; `off`: one Redis read per request (`HMGET` of the version and seal tag of a record the instance knows, ADR 0001). Redis unreachable or silent for 500 ms: the cache is flushed and bypassed (`503` as without it). Not with Sentinel (off there when unset). See [ADR 0007](adr/0007-client-side-cache.md)',
      unset: `\`${DEFAULT_CLIENT_CACHE ? 'on' : 'off'}\` (\`off\` with Sentinel)`,
    }),
    REDIS_CLIENT_CACHE_MAX_ENTRIES: withDefault(integer(1, 1_000_000), {
      default: '4096',
      doc: 'sessions the cache holds per instance (least recently used go first); a few hundred bytes of heap each',
    }),
  },
} satisfies SettingGroup;

/** Redis's part of the configuration; refusals go to `problems`. */
export function redisConfig(e: EnvOf<typeof redisSettings.settings>, problems: string[]) {
  const badNode = e.REDIS_CLUSTER_NODES?.split(',').find((n) => n.trim() && !/^(rediss?:\/\/)?[\w.-]+:\d{1,5}$/.test(n.trim()));
  if (badNode !== undefined) problems.push(`REDIS_CLUSTER_NODES: "${badNode.trim()}" is not host:port`);
  const sentinelNodes = listOf(e.REDIS_SENTINEL_NODES);
  const badSentinel = sentinelNodes.find((n) => !/^[\w.-]+:\d{1,5}$/.test(n));
  if (badSentinel !== undefined) problems.push(`REDIS_SENTINEL_NODES: "${badSentinel}" is not host:port`);
  if (sentinelNodes.length > 0 && !e.REDIS_SENTINEL_MASTER) problems.push('REDIS_SENTINEL_MASTER: required with REDIS_SENTINEL_NODES (the name the sentinels monitor the primary under)');
  if (e.REDIS_SENTINEL_MASTER && sentinelNodes.length === 0) problems.push('REDIS_SENTINEL_NODES: required with REDIS_SENTINEL_MASTER');
  if (sentinelNodes.length > 0 && listOf(e.REDIS_CLUSTER_NODES).length > 0) {
    problems.push('REDIS_SENTINEL_NODES: set either REDIS_CLUSTER_NODES (a Redis Cluster) or REDIS_SENTINEL_NODES (a primary watched by Sentinel), not both');
  }
  const clientCacheAsked = e.REDIS_CLIENT_CACHE === undefined ? undefined : ['on', 'true', '1'].includes(e.REDIS_CLIENT_CACHE);
  if (clientCacheAsked && sentinelNodes.length > 0) problems.push('REDIS_CLIENT_CACHE: not supported with REDIS_SENTINEL_NODES (set it to off, or leave it unset)');
  const clientCache = (clientCacheAsked ?? DEFAULT_CLIENT_CACHE) && sentinelNodes.length === 0;
  return {
    redisUrl: e.REDIS_URL,
    /** Seed nodes of a Redis Cluster (`host:port`); when set, the cluster client is used. */
    redisClusterNodes: e.REDIS_CLUSTER_NODES === undefined ? undefined : listOf(e.REDIS_CLUSTER_NODES),
    /** Sentinels watching a primary and its replicas (`REDIS_SENTINEL_NODES`, `host:port`) and the primary's name there. */
    ...(sentinelNodes.length > 0 && e.REDIS_SENTINEL_MASTER ? { redisSentinel: { nodes: sentinelNodes, master: e.REDIS_SENTINEL_MASTER } } : {}),
    /** Prefix of every Redis key this deployment owns, so several apps (or test runs) can share one Redis. */
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    /**
     * `REDIS_CLIENT_CACHE` / `REDIS_CLIENT_CACHE_MAX_ENTRIES`: session records kept in process and
     * invalidated by Redis (docs/adr/0007-client-side-cache.md); unset = off (always with Sentinel).
     */
    ...(clientCache ? { redisClientCache: { maxEntries: e.REDIS_CLIENT_CACHE_MAX_ENTRIES } } : {}),
  };
}
