import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisAnswers } from './redis-server.js';
import { killAll } from './processes.js';

const MASTER = 'bff-test';
const cli = (port: number, ...args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A primary, a replica and three sentinels (quorum 2), local `redis-server` processes on free
 * ports with their files in a temp dir; sentinels declare a primary down after 500 ms.
 */
export class TestRedisSentinel {
  readonly #data = new Map<number, ChildProcess>();
  readonly #sentinels: ChildProcess[] = [];
  private constructor(
    readonly dataPorts: number[],
    readonly sentinelPorts: number[],
    private readonly dir: string,
  ) {}

  /** `REDIS_SENTINEL_NODES` and `REDIS_SENTINEL_MASTER`. */
  get env(): Record<string, string> {
    return { REDIS_SENTINEL_NODES: this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','), REDIS_SENTINEL_MASTER: MASTER };
  }

  static async start(): Promise<TestRedisSentinel> {
    const dataPorts = [await freePort(), await freePort()];
    const sentinelPorts = [await freePort(), await freePort(), await freePort()];
    const set = new TestRedisSentinel(dataPorts, sentinelPorts, mkdtempSync(join(tmpdir(), 'bff-sentinel-')));
    const [primary, replica] = dataPorts as [number, number];
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', set.dir];
    set.#data.set(primary, spawn('redis-server', ['--port', String(primary), ...common], { stdio: 'ignore' }));
    set.#data.set(replica, spawn('redis-server', ['--port', String(replica), '--replicaof', '127.0.0.1', String(primary), ...common], { stdio: 'ignore' }));
    for (const port of sentinelPorts) {
      const file = join(set.dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${set.dir}`,
          `sentinel monitor ${MASTER} 127.0.0.1 ${primary} 2`,
          `sentinel down-after-milliseconds ${MASTER} 500`,
          `sentinel failover-timeout ${MASTER} 5000`,
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

  /** SIGKILL the current primary. */
  async killPrimary(): Promise<number> {
    const port = this.primaryPort();
    const child = this.#data.get(port)!;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
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
    await killAll([...this.#data.values(), ...this.#sentinels]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
