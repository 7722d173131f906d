import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisAnswers } from './redis-server.js';

/** A real three-master Redis Cluster of local `redis-server` processes (no replicas, no persistence). */
export class TestRedisCluster {
  readonly #children: ChildProcess[] = [];
  private constructor(
    readonly ports: number[],
    private readonly dir: string,
  ) {}

  /** `host:port` list, the form `REDIS_CLUSTER_NODES` takes. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  /** Starts three nodes, joins them with `redis-cli --cluster create`, waits for `cluster_state:ok`. */
  static async start(): Promise<TestRedisCluster> {
    const ports = [await freePort(), await freePort(), await freePort()];
    const cluster = new TestRedisCluster(ports, mkdtempSync(join(tmpdir(), 'bff-cluster-')));
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--save', '', '--appendonly', 'no', '--dir', cluster.dir],
        { stdio: 'ignore' },
      );
      cluster.#children.push(child);
    }
    for (const port of ports) {
      for (let i = 0; i < 100 && !(await redisAnswers(`redis://127.0.0.1:${port}`)); i++) await new Promise((r) => setTimeout(r, 50));
    }
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
    for (let i = 0; i < 100; i++) {
      const states = ports.map((p) => spawnSync('redis-cli', ['-p', String(p), 'cluster', 'info'], { encoding: 'utf8' }).stdout);
      if (states.every((s) => s.includes('cluster_state:ok'))) return cluster;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the Redis Cluster did not reach cluster_state:ok');
  }

  /** Kills the nodes and removes their files. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
