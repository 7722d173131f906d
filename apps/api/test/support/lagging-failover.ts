import type { SpawnedEmulator } from '@app/cognito-emulator';
import type { BffProcess } from './bff-process.js';
import type { HeldBack } from './replication-hold.js';

/** What one lagging-replica failover did to the sessions, as users and the IdP saw it. */
export interface LagFigures {
  sessions: number;
  /** Sessions whose `/session` no longer answers `authenticated: true` once it is all over. */
  sessionsLost: number;
  /** Refresh tokens redeemed a second time (the emulator's reuse detection, which revokes the grant). */
  refreshReused: number;
  /** Refresh grants the IdP refused, for any reason. */
  refreshRefused: number;
  /** Refresh grants the IdP answered while the replica was held back. */
  grantsDuringStall: number;
  /** What the primary had not sent to the replica when it was killed. */
  heldBack: HeldBack;
  promotionMs: number;
  /** Time of the last failed request after the kill (ms from the kill); null when none failed after it. */
  lastFailureAfterKillMs: number | null;
  /** Failed requests by `status code` (or error name). */
  failures: Record<string, number>;
  requests: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The promises a lagging-replica failover breaks, each with its figure (empty when it kept them
 * all): the replica really was behind, no session lost, no refresh token spent twice or refused,
 * and no failure later than 10 s after the kill. The tests assert it is empty; a run that breaks
 * one also prints its instances' warnings.
 */
export function brokenPromises(f: LagFigures): string[] {
  return [
    f.heldBack.bytes > 0 ? '' : 'the replica was not behind (nothing held back)',
    f.sessionsLost === 0 ? '' : `sessions lost: ${f.sessionsLost}`,
    f.refreshReused === 0 ? '' : `refresh tokens reused: ${f.refreshReused}`,
    f.refreshRefused === 0 ? '' : `refresh grants refused: ${f.refreshRefused}`,
    (f.lastFailureAfterKillMs ?? 0) < 10_000 ? '' : `a failure ${f.lastFailureAfterKillMs} ms after the kill`,
  ].filter(Boolean);
}

/** The warnings and errors an instance logged (captured stdout), one short line each, for a failed run's report. */
export function logSummary(instance: BffProcess, max = 40): string {
  const lines = instance
    .stdout()
    .split('\n')
    .filter((l) => /"level":(40|50|60)/.test(l))
    .map((l) => {
      const { time, msg, event, outcome, err } = JSON.parse(l) as { time: number; msg?: string; event?: string; outcome?: string; err?: { message?: string } };
      return `${new Date(time).toISOString().slice(11, 23)} ${event ?? ''} ${outcome ?? ''} ${msg ?? ''} ${err?.message ?? ''}`.replace(/\s+/g, ' ');
    });
  return lines.slice(-max).join('\n');
}

/**
 * Keeps every session busy on the given instances (about `ratePerSecond` requests in all,
 * `/api/x` and `/session` in turn), and once sessions have refreshed for a while: waits until
 * refreshes are at the IdP, holds back the primary's replication stream for `stallMs`, SIGKILLs
 * the primary (what it had not sent is lost), waits for the promotion and goes on until
 * `afterKillMs` after the kill. Then asks `/session` of every session on every instance.
 * `routing: 'sticky'` sends each session to one instance; `'alternating'` switches instance on
 * every request of a session.
 */
export async function runLaggingFailover(o: {
  urls: string[];
  cookies: string[];
  idp: SpawnedEmulator;
  routing: 'sticky' | 'alternating';
  hold: () => void;
  kill: () => Promise<HeldBack>;
  promoted: () => Promise<unknown>;
  stallMs?: number;
  afterKillMs?: number;
  ratePerSecond?: number;
  warmUpMs?: number;
}): Promise<LagFigures> {
  const interval = (o.cookies.length * 1000) / (o.ratePerSecond ?? 60);
  const failures: Record<string, number> = {};
  let requests = 0;
  let lastFailure = 0;
  let running = true;
  const fail = (what: string) => {
    failures[what] = (failures[what] ?? 0) + 1;
    lastFailure = Date.now();
  };

  const one = async (url: string, cookie: string, api: boolean) => {
    requests++;
    try {
      const res = await fetch(api ? `${url}/api/x` : `${url}/session`, { headers: api ? { cookie, 'x-csrf': '1' } : { cookie }, signal: AbortSignal.timeout(8_000) });
      const body = (await res.json()) as { code?: string; authenticated?: boolean };
      if (res.status === 200 && (api || body.authenticated === true)) return;
      fail(`${res.status} ${body.code ?? (body.authenticated === false ? 'signed out' : '')}`.trim());
    } catch (err) {
      fail((err as Error).name);
    }
  };
  const loops = o.cookies.map(async (cookie, u) => {
    await sleep((interval * u) / o.cookies.length); // spread the sessions over the interval
    for (let i = 0; running; i++) {
      const t0 = Date.now();
      const instance = o.routing === 'sticky' ? u % o.urls.length : (u + i) % o.urls.length;
      await one(o.urls[instance]!, cookie, i % 2 === 0);
      await sleep(Math.max(0, interval - (Date.now() - t0)));
    }
  });

  await o.idp.reset();
  await sleep(o.warmUpMs ?? 3_000);
  // the lag starts while refreshes are at the IdP (two or more: more races): their results are written during the stall
  const deadline = Date.now() + 15_000;
  while ((await o.idp.inFlight()).tokenRequests < 2) {
    if (Date.now() > deadline) throw new Error('no refresh reached the IdP');
    await sleep(5);
  }
  o.hold();
  const stallAt = Date.now();
  const atStall = (await o.idp.stats()).grants.refresh_token;
  await sleep(Math.max(0, stallAt + (o.stallMs ?? 2_000) - Date.now()));
  const grantsDuringStall = (await o.idp.stats()).grants.refresh_token - atStall;
  const killedAt = Date.now();
  const heldBack = await o.kill();
  await o.promoted();
  const promotionMs = Date.now() - killedAt;
  await sleep(Math.max(0, killedAt + (o.afterKillMs ?? 13_000) - Date.now()));
  running = false;
  await Promise.all(loops);

  let sessionsLost = 0;
  for (const cookie of o.cookies) {
    let alive = true;
    for (const url of o.urls) {
      const res = await fetch(`${url}/session`, { headers: { cookie } });
      const body = (await res.json()) as { authenticated?: boolean };
      if (body.authenticated !== true) alive = false;
    }
    if (!alive) sessionsLost++;
  }
  const stats = await o.idp.stats();
  return {
    sessions: o.cookies.length,
    sessionsLost,
    refreshReused: stats.refreshTokenReuse,
    refreshRefused: stats.tokenRequests.refresh_token - stats.grants.refresh_token,
    grantsDuringStall,
    heldBack,
    promotionMs,
    lastFailureAfterKillMs: lastFailure > killedAt ? lastFailure - killedAt : null,
    failures,
    requests,
  };
}
