import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server.js';

/** The documented example that ships with the repository. */
const SHIPPED_CONFIG = fileURLToPath(new URL('../../../../deploy/haproxy.cfg', import.meta.url));

/** One server line of `show stat`, the fields tests read. */
export interface HaproxyServerStat {
  name: string;
  status: string;
  /** Requests HAProxy retried on a connection it could not use. */
  retries: number;
  /** Requests HAProxy had to send to another server than the one it picked. */
  redispatches: number;
  /** 5xx answers, the ones HAProxy produced itself included. */
  http5xx: number;
  connectionErrors: number;
  responseErrors: number;
}

/**
 * A real HAProxy running deploy/haproxy.cfg, rewritten only where a test must differ: its own
 * port, the given servers, faster checks, and an admin socket to read counters from.
 */
export class TestHaproxy {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(servers: number[], checks = 'inter 200ms fall 1 rise 1'): Promise<TestHaproxy> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'bff-haproxy-'));
    let config = readFileSync(SHIPPED_CONFIG, 'utf8');
    const replace = (pattern: RegExp, by: string) => {
      if (!pattern.test(config)) throw new Error(`deploy/haproxy.cfg no longer matches ${pattern}`);
      config = config.replace(pattern, by);
    };
    replace(/^(\s*)bind :8080$/m, `$1bind 127.0.0.1:${port}`);
    replace(/^(\s*)default-server .*$/m, `$1default-server ${checks}`);
    replace(/^(\s*server bff1 .*\n)(\s*server bff\d .*\n)*/m, servers.map((p, i) => `    server bff${i + 1} 127.0.0.1:${p} check\n`).join(''));
    replace(/^(\s*)log stdout .*$/m, `$1stats socket ${join(dir, 'admin.sock')} level admin`);
    writeFileSync(join(dir, 'haproxy.cfg'), config);
    const child = spawn('haproxy', ['-db', '-q', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) => reject(new Error(`could not start haproxy (apt-get install haproxy): ${err.message}`)));
    });
    const proxy = new TestHaproxy(port, dir, child);
    for (let i = 0; i < 100; i++) {
      if (await proxy.stats().then(() => true, () => false)) return proxy;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('haproxy did not start');
  }

  /** `show stat` of the backend's servers. */
  async stats(): Promise<HaproxyServerStat[]> {
    const csv = await new Promise<string>((resolve, reject) => {
      const socket = connect(join(this.dir, 'admin.sock'));
      let out = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (out += d));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
      socket.write('show stat\n');
    });
    const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n');
    const columns = header!.split(',');
    const field = (row: string[], name: string) => row[columns.indexOf(name)] ?? '';
    return rows
      .map((line) => line.split(','))
      .filter((row) => field(row, 'pxname') === 'bff' && !['BACKEND', 'FRONTEND'].includes(field(row, 'svname')))
      .map((row) => ({
        name: field(row, 'svname'),
        status: field(row, 'status'),
        retries: Number(field(row, 'wretr')),
        redispatches: Number(field(row, 'wredis')),
        http5xx: Number(field(row, 'hrsp_5xx')),
        connectionErrors: Number(field(row, 'econ')),
        responseErrors: Number(field(row, 'eresp')),
      }));
  }

  /** Waits until HAProxy's checks see `server` in `status` (`UP`, `DOWN`). */
  async waitFor(server: string, status: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const stat = (await this.stats()).find((s) => s.name === server);
      if (stat?.status.startsWith(status)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`haproxy: ${server} did not become ${status}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await new Promise<void>((resolve) => {
        this.child.once('exit', () => resolve());
        this.child.kill('SIGKILL');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
