// Runs the emulator as a child process, for tests that need a real, separate IdP process which
// can be stopped, killed and brought back.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createCookieKeys, processSigningKey } from './keys.js';
import type { BackchannelDelivery, EmulatorBehaviour, EmulatorOptions, EmulatorStats, InternalOptions } from './options.js';

/** A child-process emulator. */
export interface SpawnedEmulator {
  issuer: string;
  url: string;
  port: number;
  pid: number;
  stats(): Promise<EmulatorStats>;
  reset(): Promise<void>;
  /** Token requests the emulator is processing right now (e.g. held by `tokenDelayMs`). */
  inFlight(): Promise<{ tokenRequests: number }>;
  setBehaviour(b: EmulatorBehaviour): Promise<void>;
  /** Sets a user's groups (Cognito's AdminAddUserToGroup): tokens issued from now on carry them. Not kept across restart(). */
  setGroups(username: string, groups: string[]): Promise<void>;
  /**
   * Ends every IdP session of `username` and sends OpenID back-channel logout to each client of
   * those sessions that registered a `backchannelLogoutUri`; resolves with what was delivered.
   */
  backchannelLogout(username: string): Promise<BackchannelDelivery[]>;
  /** SIGTERM and wait; forgets the stored grants. */
  stop(): Promise<void>;
  /** SIGKILL and wait, for outage tests. */
  kill(): Promise<void>;
  /** (Re)starts on the same port with the same keys, grants and tokens (after kill() or while running). */
  restart(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;
const live = new Set<ChildProcess>();
const stateFiles = new Set<string>();

// Last resort against orphans when the parent exits normally; children also exit on their own
// when their stdin pipe closes, which covers a parent killed by a signal.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const file of stateFiles) rmSync(file, { force: true });
});

/** `node dist/cli.js` when built; `node --import tsx src/cli.ts` when running from source. */
function cliCommand(): { args: string[]; cwd: string } {
  const here = fileURLToPath(import.meta.url);
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  if (here.endsWith('.ts')) return { args: ['--import', 'tsx', fileURLToPath(new URL('cli.ts', import.meta.url))], cwd };
  const js = fileURLToPath(new URL('cli.js', import.meta.url));
  if (!existsSync(js)) throw new Error(`cognito-emulator CLI not found at ${js}: run the package build first`);
  return { args: [js], cwd };
}

function childEnv(opts: InternalOptions): NodeJS.ProcessEnv {
  // The parent's own EMULATOR_* settings must not leak into a child configured by JSON.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EMULATOR_')));
  return { ...env, EMULATOR_OPTIONS: JSON.stringify(opts), EMULATOR_EXIT_WITH_STDIN: '1' };
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function launch(opts: InternalOptions): Promise<{ child: ChildProcess; issuer: string }> {
  const { args, cwd } = cliCommand();
  const child = spawn(process.execPath, args, { cwd, env: childEnv(opts), stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // oidc-provider warns on every start under Node 20 (it wants 22+); the rest of stderr passes.
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!line.includes('oidc-provider WARNING: Unsupported runtime')) process.stderr.write(`${line}\n`);
  });
  const lines = createInterface({ input: child.stdout! });
  try {
    const issuer = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cognito emulator did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`cognito emulator exited during start-up (code ${code}, signal ${signal})`));
      });
      lines.on('line', (line) => {
        const match = /issuer=(\S+)/.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
    if (!discovery.ok) throw new Error(`cognito emulator discovery answered ${discovery.status}`);
    await discovery.arrayBuffer();
    return { child, issuer };
  } catch (err) {
    child.kill('SIGKILL');
    await waitForExit(child);
    throw err;
  }
}

async function admin(url: string, path: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(`${url}/__emulator/${path}`, init);
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`cognito emulator ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * Starts the emulator as a child process and resolves once its discovery document answers.
 * The signing key, cookie keys and adapter state (a journal in the OS temp directory) are
 * handed to every incarnation, so tokens and grants survive {@link SpawnedEmulator.restart}.
 */
export async function spawnEmulator(opts: EmulatorOptions = {}): Promise<SpawnedEmulator> {
  const stateFile = join(tmpdir(), `cognito-emulator-${process.pid}-${randomUUID()}.jsonl`);
  stateFiles.add(stateFile);
  const childOptions: InternalOptions = {
    ...opts,
    port: opts.port ?? 0,
    signingKey: await processSigningKey(),
    cookieKeys: createCookieKeys(),
    stateFile,
  };
  let { child, issuer } = await launch(childOptions);
  const origin = new URL(issuer).origin;
  const port = Number(new URL(issuer).port);
  childOptions.port = port; // restarts come back on the same port

  const terminate = async (signal: NodeJS.Signals) => {
    const exited = waitForExit(child);
    child.kill(signal);
    await exited;
  };

  return {
    issuer,
    url: origin,
    port,
    get pid() {
      return child.pid ?? -1;
    },
    stats: async () => (await admin(origin, 'stats')) as EmulatorStats,
    reset: async () => {
      await admin(origin, 'reset', { method: 'POST' });
    },
    inFlight: async () => (await admin(origin, 'in-flight')) as { tokenRequests: number },
    setBehaviour: async (b) => {
      await admin(origin, 'behaviour', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(b),
      });
    },
    setGroups: async (username, groups) => {
      await admin(origin, 'groups', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, groups }) });
    },
    backchannelLogout: async (username) => {
      const body = (await admin(origin, 'backchannel-logout', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username }),
      })) as { deliveries: BackchannelDelivery[] };
      return body.deliveries;
    },
    stop: async () => {
      await terminate('SIGTERM');
      // Done with it: a restart() after stop() starts from an empty pool.
      rmSync(stateFile, { force: true });
    },
    kill: () => terminate('SIGKILL'),
    restart: async () => {
      await terminate('SIGTERM');
      ({ child, issuer } = await launch(childOptions));
    },
  };
}
