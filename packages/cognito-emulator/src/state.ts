// Everything the emulator must remember: oidc-provider's adapter records and the test counters.
// Optionally journaled to a file (append-only, one JSON line per change, written synchronously)
// so a child process killed with SIGKILL and started again still knows every grant and token.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { EmulatorStats } from './options.js';

interface Entry {
  payload: AdapterPayload;
  /** Unix milliseconds; absent = never expires. */
  expiresAt?: number;
}

type JournalLine =
  | { op: 'set'; key: string; entry: Entry }
  | { op: 'del'; key: string }
  | { op: 'stats'; stats: EmulatorStats };

/** Fresh, zeroed counters. */
export function emptyStats(): EmulatorStats {
  return {
    grants: { authorization_code: 0, refresh_token: 0, client_credentials: 0 },
    tokenRequests: { authorization_code: 0, refresh_token: 0, client_credentials: 0 },
    revocations: 0,
    refreshTokenReuse: 0,
    backchannelLogouts: 0,
    backchannelLogoutFailures: 0,
  };
}

/** Counters read from a journal written by an older emulator get the counters it did not have. */
function withDefaults(stats: EmulatorStats): EmulatorStats {
  const empty = emptyStats();
  return { ...empty, ...stats, grants: { ...empty.grants, ...stats.grants }, tokenRequests: { ...empty.tokenRequests, ...stats.tokenRequests } };
}

/** In-memory store of adapter records and counters, journaled when given a file. */
export class EmulatorState {
  readonly #entries = new Map<string, Entry>();
  readonly #file: string | undefined;
  #stats: EmulatorStats = emptyStats();

  constructor(file?: string) {
    this.#file = file;
    if (file) this.#load(file);
  }

  get stats(): EmulatorStats {
    return this.#stats;
  }

  /** Applies `change` to the counters and records it. */
  updateStats(change: (stats: EmulatorStats) => void): void {
    change(this.#stats);
    this.#journal({ op: 'stats', stats: this.#stats });
  }

  /** Zeroes the counters. */
  resetStats(): void {
    this.#stats = emptyStats();
    this.#journal({ op: 'stats', stats: this.#stats });
  }

  /** An oidc-provider adapter for one model (`Session`, `Grant`, `RefreshToken`, ...). */
  adapterFor(model: string): Adapter {
    const key = (id: string): string => `${model}:${id}`;
    const findWhere = (match: (p: AdapterPayload) => boolean): AdapterPayload | undefined => {
      for (const [k, entry] of this.#entries) {
        if (k.startsWith(`${model}:`) && this.#alive(k, entry) && match(entry.payload)) return entry.payload;
      }
      return undefined;
    };
    return {
      upsert: async (id, payload, expiresIn) => {
        this.#set(key(id), { payload, ...(expiresIn ? { expiresAt: Date.now() + expiresIn * 1000 } : {}) });
      },
      find: async (id) => this.#get(key(id)),
      findByUid: async (uid) => findWhere((p) => p.uid === uid),
      findByUserCode: async (userCode) => findWhere((p) => p.userCode === userCode),
      consume: async (id) => {
        const entry = this.#entries.get(key(id));
        if (entry) this.#set(key(id), { ...entry, payload: { ...entry.payload, consumed: Math.floor(Date.now() / 1000) } });
      },
      destroy: async (id) => this.#delete(key(id)),
      revokeByGrantId: async (grantId) => {
        for (const [k, entry] of [...this.#entries]) {
          if (k.startsWith(`${model}:`) && entry.payload.grantId === grantId) this.#delete(k);
        }
      },
    };
  }

  /** Every live record of one model (e.g. all `Session`s), for the test hooks. */
  payloadsOf(model: string): AdapterPayload[] {
    const out: AdapterPayload[] = [];
    for (const [key, entry] of [...this.#entries]) {
      if (key.startsWith(`${model}:`) && this.#alive(key, entry)) out.push(entry.payload);
    }
    return out;
  }

  #get(key: string): AdapterPayload | undefined {
    const entry = this.#entries.get(key);
    return entry && this.#alive(key, entry) ? entry.payload : undefined;
  }

  #alive(key: string, entry: Entry): boolean {
    if (entry.expiresAt === undefined || entry.expiresAt > Date.now()) return true;
    this.#delete(key);
    return false;
  }

  #set(key: string, entry: Entry): void {
    this.#entries.set(key, entry);
    this.#journal({ op: 'set', key, entry });
  }

  #delete(key: string): void {
    if (this.#entries.delete(key)) this.#journal({ op: 'del', key });
  }

  #journal(line: JournalLine): void {
    if (this.#file) appendFileSync(this.#file, `${JSON.stringify(line)}\n`);
  }

  /** Replays the journal, then rewrites it compacted (live entries and the last counters only). */
  #load(file: string): void {
    if (existsSync(file)) {
      for (const text of readFileSync(file, 'utf8').split('\n')) {
        if (!text) continue;
        let line: JournalLine;
        try {
          line = JSON.parse(text) as JournalLine;
        } catch {
          continue; // a line cut short by SIGKILL: everything before it is intact
        }
        if (line.op === 'set') this.#entries.set(line.key, line.entry);
        else if (line.op === 'del') this.#entries.delete(line.key);
        else this.#stats = withDefaults(line.stats);
      }
    }
    const now = Date.now();
    const lines: JournalLine[] = [{ op: 'stats', stats: this.#stats }];
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#entries.delete(key);
      else lines.push({ op: 'set', key, entry });
    }
    writeFileSync(`${file}.tmp`, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    renameSync(`${file}.tmp`, file);
  }
}
