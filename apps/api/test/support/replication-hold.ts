import { spawnSync } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';

/** What a hold kept from the replica: bytes, and the write commands in them by name. */
export interface HeldBack {
  bytes: number;
  commands: Record<string, number>;
}

/**
 * A TCP proxy a replica replicates through (`--replicaof 127.0.0.1 <proxy port>`), in front of
 * its primary. While {@link ReplicationProxy.hold} is on, the primary's stream to the replica is
 * kept back here, while the replica's acknowledgements still reach the primary: `WAIT` gets 0 and
 * the primary still lists the replica as online, as with a replica that lags behind. When the
 * primary dies, {@link ReplicationProxy.drop} throws away what was kept, which the replica then
 * never gets (shared/docs/redis-notes.md).
 */
export class ReplicationProxy {
  readonly #pairs = new Set<{ upstream: Socket; downstream: Socket }>();
  #holding = false;
  #held: Buffer[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on a free port and forwards every connection to `127.0.0.1:targetPort`. */
  static async start(targetPort: number): Promise<ReplicationProxy> {
    const server = createServer();
    const proxy = await new Promise<ReplicationProxy>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve(new ReplicationProxy(server, (server.address() as { port: number }).port))),
    );
    server.on('connection', (downstream) => proxy.#pair(downstream, targetPort));
    return proxy;
  }

  #pair(downstream: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { upstream, downstream };
    this.#pairs.add(pair);
    const end = () => {
      this.#pairs.delete(pair);
      upstream.destroy();
      downstream.destroy();
    };
    upstream.on('error', end).on('close', end);
    downstream.on('error', end).on('close', end);
    downstream.on('data', (chunk: Buffer) => upstream.write(chunk)); // acknowledgements always pass
    upstream.on('data', (chunk: Buffer) => {
      if (this.#holding) this.#held.push(chunk);
      else downstream.write(chunk);
    });
  }

  /** From now on the primary's bytes stop here. */
  hold(): void {
    this.#holding = true;
  }

  /** Sends on what was held back and stops holding: the replica catches up. */
  release(): void {
    this.#holding = false;
    const held = Buffer.concat(this.#held);
    this.#held = [];
    for (const { downstream } of this.#pairs) downstream.write(held);
  }

  /** What is held back so far. */
  heldBack(): HeldBack {
    const buffer = Buffer.concat(this.#held);
    return { bytes: buffer.length, commands: countCommands(buffer) };
  }

  /** Forgets what was held (the primary died with it) and cuts every link, so the replica sees its master gone. */
  drop(): HeldBack {
    const held = this.heldBack();
    this.#held = [];
    this.#holding = false;
    for (const { upstream, downstream } of this.#pairs) {
      upstream.destroy();
      downstream.destroy();
    }
    return held;
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Holds back a Redis Cluster primary's replication stream to one replica by dropping its packets
 * (`iptables`, as root): the replica's connection to the primary is found with `ss`, and one
 * OUTPUT rule, tagged with a comment of its own, drops what the primary sends on it. The rule stays
 * until {@link IptablesHold.remove}: after a SIGKILL the kernel still retransmits the dead process's
 * queued bytes, so it must stay until the replica has been promoted (shared/docs/redis-notes.md).
 */
export class IptablesHold {
  readonly #rule: string[];
  #installed = false;

  private constructor(
    readonly primaryPort: number,
    readonly replicaSidePort: number,
    comment: string,
  ) {
    this.#rule = ['OUTPUT', '-p', 'tcp', '-s', '127.0.0.1', '--sport', String(primaryPort), '-d', '127.0.0.1', '--dport', String(replicaSidePort), '-m', 'comment', '--comment', comment, '-j', 'DROP'];
  }

  /** True when this process may add iptables rules (root, iptables installed, the kernel lets it). */
  static available(): boolean {
    return spawnSync('iptables', ['-S', 'OUTPUT'], { encoding: 'utf8' }).status === 0;
  }

  /** The replica process `replicaPid`'s replication connection to `primaryPort`. */
  static find(replicaPid: number, primaryPort: number): IptablesHold {
    const ss = spawnSync('ss', ['-tnpH', 'state', 'established', 'dst', `127.0.0.1:${primaryPort}`], { encoding: 'utf8' });
    for (const line of ss.stdout.split('\n')) {
      if (!line.includes(`pid=${replicaPid},`)) continue;
      const local = line.trim().split(/\s+/)[2]; // Recv-Q Send-Q Local Peer Process (state filtered out)
      const port = Number(local?.slice(local.lastIndexOf(':') + 1));
      if (port) return new IptablesHold(primaryPort, port, `bff-test-hold-${process.pid}-${primaryPort}-${port}`);
    }
    throw new Error(`no connection of pid ${replicaPid} to 127.0.0.1:${primaryPort} in: ${ss.stdout}${ss.stderr}`);
  }

  /** Starts dropping the primary's packets to the replica. */
  install(): void {
    const added = spawnSync('iptables', ['-I', ...this.#rule], { encoding: 'utf8' });
    if (added.status !== 0) throw new Error(`iptables -I failed: ${added.stderr}`);
    this.#installed = true;
  }

  /** Deletes exactly this rule (safe to call twice). */
  remove(): void {
    if (!this.#installed) return;
    spawnSync('iptables', ['-D', ...this.#rule]);
    this.#installed = false;
  }
}

/** Counts the commands of a RESP stream by name (MULTI/EXEC included), stopping at the first thing that does not parse. */
export function countCommands(buffer: Buffer): Record<string, number> {
  const counts: Record<string, number> = {};
  let at = 0;
  const line = (): string | undefined => {
    const end = buffer.indexOf('\r\n', at);
    if (end === -1) return undefined;
    const text = buffer.toString('latin1', at, end);
    at = end + 2;
    return text;
  };
  while (at < buffer.length) {
    const header = line();
    if (!header?.startsWith('*')) break;
    const n = Number(header.slice(1));
    let name: string | undefined;
    for (let i = 0; i < n; i++) {
      const size = line();
      if (!size?.startsWith('$')) return counts;
      const len = Number(size.slice(1));
      if (at + len + 2 > buffer.length) return counts;
      if (i === 0) name = buffer.toString('latin1', at, at + len).toUpperCase();
      at += len + 2;
    }
    if (name) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
