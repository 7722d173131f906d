import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisAnswers } from './redis-server.js';
import { killAll } from './processes.js';

const cli = (port: number, ...args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout;

/**
 * A real three-master Redis Cluster of local `redis-server` processes (no persistence), without
 * replicas, or with one replica per master and a 1-second node timeout (`{ replicas: 1 }`), so a
 * killed primary's replica is promoted within a few seconds.
 */
export class TestRedisCluster {
  readonly #children = new Map<number, ChildProcess>();
  private constructor(
    readonly ports: number[],
    private readonly dir: string,
  ) {}

  /** `host:port` list, the form `REDIS_CLUSTER_NODES` takes. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  /**
   * Starts three nodes, joins them with `redis-cli --cluster create`, waits for `cluster_state:ok`.
   * `nodeTimeoutMs` (with replicas) sets how long a silent primary takes to be failed over.
   */
  static async start(options: { replicas?: 0 | 1; nodeTimeoutMs?: number } = {}): Promise<TestRedisCluster> {
    const replicas = options.replicas ?? 0;
    const ports: number[] = [];
    for (let i = 0; i < 3 * (1 + replicas); i++) ports.push(await freePort());
    const cluster = new TestRedisCluster(ports, mkdtempSync(join(tmpdir(), 'bff-cluster-')));
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
          ...['--save', '', '--appendonly', 'no', '--dir', cluster.dir],
          ...(replicas ? ['--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1000)] : []),
        ],
        { stdio: 'ignore' },
      );
      cluster.#children.set(port, child);
    }
    for (const port of ports) {
      for (let i = 0; i < 100 && !(await redisAnswers(`redis://127.0.0.1:${port}`)); i++) await new Promise((r) => setTimeout(r, 50));
    }
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { encoding: 'utf8' });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
    for (let i = 0; i < 100; i++) {
      const states = ports.map((p) => cli(p, 'cluster', 'info'));
      const replicasUp = ports.filter((p) => /role:slave[\s\S]*master_link_status:up/.test(cli(p, 'info', 'replication'))).length;
      if (states.every((s) => s.includes('cluster_state:ok')) && replicasUp === 3 * replicas) return cluster;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the Redis Cluster did not reach cluster_state:ok');
  }

  /** Port of the primary serving `slot`, as a live node sees it. */
  primaryOf(slot: number, askPort?: number): number | undefined {
    const ask = askPort ?? [...this.#children].find(([, c]) => c.exitCode === null && c.signalCode === null)![0];
    for (const line of cli(ask, 'cluster', 'nodes').split('\n')) {
      const [, address, flags, , , , , state, ...ranges] = line.split(' ');
      if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
      const owns = ranges.some((r) => {
        const [from, to] = r.split('-').map(Number);
        return slot >= from! && slot <= (to ?? from)!;
      });
      if (owns) return Number(address!.split('@')[0]!.split(':')[1]);
    }
    return undefined;
  }

  /** Pid of the node on `port`. */
  pidOf(port: number): number {
    return this.#children.get(port)!.pid!;
  }

  /** Port of the replica of the primary on `primaryPort`. */
  replicaOf(primaryPort: number): number {
    const lines = cli(primaryPort, 'cluster', 'nodes').split('\n').map((l) => l.split(' '));
    const id = lines.find(([, address]) => address?.split('@')[0]!.endsWith(`:${primaryPort}`))?.[0];
    const replica = lines.find(([, , flags, master]) => flags?.includes('slave') && master === id);
    if (!id || !replica) throw new Error(`no replica of 127.0.0.1:${primaryPort}`);
    return Number(replica[1]!.split('@')[0]!.split(':')[1]);
  }

  /** `CONFIG SET` on the node on `port`. */
  configSet(port: number, name: string, value: string): void {
    if (cli(port, 'config', 'set', name, value).trim() !== 'OK') throw new Error(`CONFIG SET ${name} failed on ${port}`);
  }

  /** `INFO replication` field `name` of the node on `port`. */
  replicationField(port: number, name: string): string | undefined {
    return new RegExp(`^${name}:(.*)$`, 'm').exec(cli(port, 'info', 'replication'))?.[1]?.trim();
  }

  /** SIGKILL the node on `port`. */
  async kill(port: number): Promise<void> {
    const child = this.#children.get(port)!;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Waits until another node than `oldPort` serves `slot` and every live node says `cluster_state:ok`. */
  async waitForPromotion(slot: number, oldPort: number, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const live = () => [...this.#children].filter(([, c]) => c.exitCode === null && c.signalCode === null).map(([p]) => p);
    while (Date.now() < deadline) {
      const owner = this.primaryOf(slot);
      if (owner && owner !== oldPort && live().every((p) => cli(p, 'cluster', 'info').includes('cluster_state:ok'))) return owner;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no replica took over slot ${slot}`);
  }

  /** Kills the nodes and removes their files. */
  async stop(): Promise<void> {
    await killAll([...this.#children.values()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
