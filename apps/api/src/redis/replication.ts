import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, TimeoutError, type RedisClientType } from 'redis';
import type { Logger } from 'pino';
import { nodeClientOptions, REDIS_COMMAND_TIMEOUT_MS, topologyOf, type Redis } from './client.js';
import { errorSummary } from '../kernel/logger.js';

/** How long `WAIT` gives a replica to acknowledge; on loopback or a LAN it answers in about a millisecond. */
export const REPLICA_WAIT_MS = 300;

/** Outcome of a write that must survive a failover. */
export interface ConfirmedWrite {
  /** What the script returned. */
  result: unknown;
  /** True once a replica has the write (or when there is no replica a failover could promote). */
  confirmed: boolean;
}

/**
 * Writes that must reach a replica before the BFF lets go of what they carry: a rotated refresh
 * token and the refresh lease (docs/adr/0005-redis-failover.md). The script runs on the key's
 * master over a connection of its own, followed by `WAIT 1 <ms>` on that same connection: `WAIT`
 * only counts the writes of its own connection, and it blocks the connection while it waits, so
 * it must not share the one every request uses.
 * @see https://redis.io/docs/latest/commands/wait/
 */
export class ReplicatedWrites {
  /**
   * One connection per master, as the promise of its being ready: node-redis calls a client open
   * from the moment `connect()` starts, and with the offline queue off a command sent before the
   * handshake is over fails ("The client is offline"). Every caller awaits the same promise, so the
   * writes that arrive together on a fresh (or re-made) connection all wait for it.
   */
  readonly #connections = new Map<string, Connection>();
  /** Replicas each master had connected, as `ROLE` said, and when it was asked. */
  readonly #replicas = new Map<string, { count: number; at: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs `script` on the master of `key` (every key of the script shares its hash tag) and waits for
   * one replica. `wrote(result)` false: the script changed nothing and the caller relies on
   * nothing written before (a lease somebody else holds), so no `WAIT` blocks the connection for
   * it. Not for a write that is repeated until confirmed: its repetition may write nothing while
   * the first, unconfirmed attempt still needs the `WAIT`.
   */
  async eval(key: string, script: string, keys: string[], args: string[], wrote: (result: unknown) => boolean = () => true): Promise<ConfirmedWrite> {
    const master = this.#masterOf(key);
    if (!master) return { result: await this.redis.eval(script, { keys, arguments: args }), confirmed: true };
    const connection = await this.#connection(master);
    const result = await withDeadline(connection.eval(script, { keys, arguments: args }), REDIS_COMMAND_TIMEOUT_MS);
    if (!wrote(result)) return { result, confirmed: true };
    // no replica connected (the only one was just promoted): nothing a failover could promote lacks the write
    if ((await this.#connectedReplicas(master, connection)) === 0) return { result, confirmed: true };
    const acknowledged = await withDeadline(connection.sendCommand(['WAIT', '1', String(REPLICA_WAIT_MS)]), REPLICA_WAIT_MS + REDIS_COMMAND_TIMEOUT_MS);
    return { result, confirmed: Number(acknowledged) >= 1 };
  }

  /**
   * {@link ReplicatedWrites.eval} of an idempotent script (a delete, a compare-and-delete) that
   * must not be undone by a failover: the first attempt is awaited (its error is the caller's);
   * when no replica confirmed it, it is repeated in the background every 100 ms, on the new
   * primary after a failover, until a replica confirms it or `until` (unix ms) has passed.
   */
  async evalUntilConfirmed(key: string, script: string, keys: string[], args: string[], until: number): Promise<void> {
    let confirmed = false;
    try {
      confirmed = (await this.eval(key, script, keys, args)).confirmed;
    } finally {
      if (!confirmed) void this.#repeat(key, script, keys, args, until);
    }
  }

  /** The background part of {@link ReplicatedWrites.evalUntilConfirmed}. */
  async #repeat(key: string, script: string, keys: string[], args: string[], until: number): Promise<void> {
    while (Date.now() < until) {
      await sleep(100, undefined, { ref: false });
      const confirmed = await this.eval(key, script, keys, args).then(
        (written) => written.confirmed,
        () => false,
      );
      if (confirmed) return;
    }
    this.logger.warn({ event: 'replicated_write', outcome: 'gave_up' }, 'no replica confirmed a repeated write in time');
  }

  /** Closes the dedicated connections. */
  async close(): Promise<void> {
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(connections.map((c) => c.ready.then((open) => open.close()).catch(() => undefined)));
  }

  /** Replicas connected to `master` (`ROLE`, asked at most once a second); fails if it is no longer a master. */
  async #connectedReplicas(master: string, connection: RedisClientType): Promise<number> {
    const known = this.#replicas.get(master);
    if (known && Date.now() - known.at < 1_000) return known.count;
    const role = (await withDeadline(connection.sendCommand(['ROLE']), REDIS_COMMAND_TIMEOUT_MS)) as unknown[];
    if (role[0] !== 'master') throw new TimeoutError(); // demoted: answered as Redis unavailable until the client catches up
    const count = Array.isArray(role[2]) ? role[2].length : 0;
    this.#replicas.set(master, { count, at: Date.now() });
    return count;
  }

  /**
   * `host:port` of the master that holds `key`; `undefined` with one server (no failover can lose
   * the write): then the ordinary client writes and nothing waits. Whether a master has replicas
   * is asked of the master itself (`ROLE`): node-redis's cluster client lists a shard's replicas
   * only with `useReplicas`, which would also send reads to them, so its slot map cannot tell.
   */
  #masterOf(key: string): string | undefined {
    const topology = topologyOf(this.redis);
    if (topology.kind === 'single') return undefined;
    if (topology.kind === 'sentinel') {
      const node = topology.sentinel.getMasterNode();
      if (!node) throw new TimeoutError(); // between two primaries: answered as Redis unavailable
      return `${node.host}:${node.port}`;
    }
    const shard = topology.cluster().slots[clusterSlot(key)];
    if (!shard?.master) throw new TimeoutError();
    return `${shard.master.host}:${shard.master.port}`;
  }

  #connection(address: string): Promise<RedisClientType> {
    const known = this.#connections.get(address);
    if (known && (!known.client || known.client.isOpen)) return known.ready;
    const entry: Connection = { ready: this.#connect(address, () => entry) };
    this.#connections.set(address, entry);
    // a connection that could not be made is forgotten: the next write tries again
    entry.ready.catch(() => this.#forget(address, entry));
    return entry.ready;
  }

  async #connect(address: string, entry: () => Connection): Promise<RedisClientType> {
    const at = address.lastIndexOf(':');
    const options = nodeClientOptions(this.url);
    // one attempt, no reconnecting: an address that stopped being a master is dropped, the next write asks again
    const client = createClient({ ...options, socket: { ...options.socket, host: address.slice(0, at), port: Number(address.slice(at + 1)), reconnectStrategy: false } }) as RedisClientType;
    client.on('error', (err: Error) => {
      this.logger.debug({ err: errorSummary(err), address }, 'replicated-writes connection lost');
      this.#forget(address, entry());
    });
    try {
      await withDeadline(client.connect(), REDIS_COMMAND_TIMEOUT_MS);
    } catch (err) {
      client.destroy();
      throw err;
    }
    entry().client = client;
    return client;
  }

  /** Drops `address`'s connection if it is still `entry`. */
  #forget(address: string, entry: Connection): void {
    if (this.#connections.get(address) === entry) this.#connections.delete(address);
  }
}

/** A dedicated connection: the promise every caller awaits, and the client once it is ready. */
interface Connection {
  ready: Promise<RedisClientType>;
  client?: RedisClientType;
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimeoutError()), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The Redis Cluster slot of a key: CRC16 (XMODEM) of its hash tag, modulo 16384. @see https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#key-distribution-model */
export function clusterSlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const tagged = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(tagged)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
