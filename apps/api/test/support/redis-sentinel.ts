import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisAnswers } from './redis-server.js';
import { killAll } from './processes.js';
import { ReplicationProxy, type HeldBack } from './replication-hold.js';

const MASTER = 'bff-test';
const cli = (port: number, ...args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A primary, a replica and three sentinels (quorum 2), local `redis-server` processes on free
 * ports with their files in a temp dir; sentinels declare a primary down after 500 ms.
 * `{ laggable: true }`: the replica replicates through a {@link ReplicationProxy} that can hold the
 * primary's stream back, and the sentinels' `failover-timeout` is long until
 * {@link TestRedisSentinel.killPrimary} (else they would re-point the replica at the primary
 * itself, since they do not know the proxy's address: shared/docs/redis-notes.md).
 */
export class TestRedisSentinel {
  readonly #data = new Map<number, ChildProcess>();
  readonly #sentinels: ChildProcess[] = [];
  /** The proxy the replica replicates through, with `{ laggable: true }`. */
  proxy: ReplicationProxy | undefined;
  /** What the proxy held back when the primary was killed. */
  heldAtKill: HeldBack | undefined;
  private constructor(
    readonly dataPorts: number[],
    readonly sentinelPorts: number[],
    private readonly dir: string,
  ) {}

  /** `REDIS_SENTINEL_NODES` and `REDIS_SENTINEL_MASTER`. */
  get env(): Record<string, string> {
    return { REDIS_SENTINEL_NODES: this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','), REDIS_SENTINEL_MASTER: MASTER };
  }

  static async start(options: { laggable?: boolean } = {}): Promise<TestRedisSentinel> {
    const dataPorts = [await freePort(), await freePort()];
    const sentinelPorts = [await freePort(), await freePort(), await freePort()];
    const set = new TestRedisSentinel(dataPorts, sentinelPorts, mkdtempSync(join(tmpdir(), 'bff-sentinel-')));
    const [primary, replica] = dataPorts as [number, number];
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', set.dir];
    set.#data.set(primary, spawn('redis-server', ['--port', String(primary), ...common], { stdio: 'ignore' }));
    if (options.laggable) set.proxy = await ReplicationProxy.start(primary);
    const upstream = set.proxy?.port ?? primary;
    set.#data.set(replica, spawn('redis-server', ['--port', String(replica), '--replicaof', '127.0.0.1', String(upstream), ...common], { stdio: 'ignore' }));
    for (const port of sentinelPorts) {
      const file = join(set.dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${set.dir}`,
          `sentinel monitor ${MASTER} 127.0.0.1 ${primary} 2`,
          `sentinel down-after-milliseconds ${MASTER} ${options.laggable ? 1500 : 500}`,
          `sentinel failover-timeout ${MASTER} ${options.laggable ? 600_000 : 5000}`,
          `sentinel parallel-syncs ${MASTER} 1`,
          '',
        ].join('\n'),
      );
      set.#sentinels.push(spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' }));
    }
    for (const port of [...dataPorts, ...sentinelPorts]) {
      for (let i = 0; i < 100 && !(await redisAnswers(`redis://127.0.0.1:${port}`)); i++) await sleep(50);
    }
    // ready when the replica is in sync and every sentinel knows the replica and the other two
    for (let i = 0; i < 150; i++) {
      const synced = /master_link_status:up/.test(cli(replica, 'info', 'replication'));
      const known = sentinelPorts.every((p) => {
        const info = cli(p, 'sentinel', 'master', MASTER);
        return /num-slaves\n1/.test(info) && /num-other-sentinels\n2/.test(info);
      });
      if (synced && known) return set;
      await sleep(100);
    }
    await set.stop();
    throw new Error('the sentinel set did not come up');
  }

  /** Port of the current primary, as the sentinels see it. */
  primaryPort(): number {
    return Number(cli(this.sentinelPorts[0]!, 'sentinel', 'get-master-addr-by-name', MASTER).split('\n')[1]);
  }

  /** SIGKILL the current primary; what the proxy still held back never reaches the replica. */
  async killPrimary(): Promise<number> {
    const port = this.primaryPort();
    const child = this.#data.get(port)!;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    if (this.proxy) {
      this.heldAtKill = this.proxy.drop();
      for (const p of this.sentinelPorts) cli(p, 'sentinel', 'set', MASTER, 'failover-timeout', '3000');
    }
    return port;
  }


  /** Waits until the sentinels name another primary than `port` and it answers as a master. */
  async waitForPromotion(oldPort: number, timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const port = this.primaryPort();
      if (port && port !== oldPort && /role:master/.test(cli(port, 'info', 'replication'))) return port;
      await sleep(100);
    }
    throw new Error('no replica was promoted');
  }

  async stop(): Promise<void> {
    await this.proxy?.close();
    await killAll([...this.#data.values(), ...this.#sentinels]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
