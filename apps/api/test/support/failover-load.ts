/** What {@link loadUntilRecovered} saw. */
export interface FailoverReport {
  summary: { ok: number; unavailable: number; gapMs: number; promotionMs: number };
  /** Every answer that is neither a success nor `503 session_store_unavailable` (a lost session, a 401, a hang, a 500). */
  unexpected: string[];
  /** Slowest answer, ms (a call that waited for another instance's refresh to land may take longer than a 503). */
  slowest: number;
  /** Slowest `503 session_store_unavailable`, ms: the contract's "within 2 s". */
  slowestUnavailable: number;
  /** What it was: path, status, and when it started relative to the failure. */
  slowestWas: string;
  /** Every session was served again after the promotion, several times in a row. */
  everyoneServedAfter: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Keeps every signed-in session busy (`/api/x` with the CSRF header, then `/session`) on the
 * given instances, calls `fail()` (which breaks Redis and returns a wait for its recovery), and
 * goes on until each session has been served three times in a row after the recovery and for at
 * least `afterMs` (so short access tokens refresh on the new primary).
 */
export async function loadUntilRecovered(o: {
  urls: string[];
  cookies: string[];
  fail: () => Promise<() => Promise<unknown>>;
  afterMs?: number;
}): Promise<FailoverReport> {
  const unexpected: string[] = [];
  let ok = 0;
  let unavailable = 0;
  let slowest = 0;
  let slowestWas = '';
  let slowestUnavailable = 0;
  let failedAt = 0;
  const took = (t0: number, what: string) => {
    const ms = Date.now() - t0;
    if (ms > slowest) {
      slowest = ms;
      slowestWas = `${what}, started ${failedAt ? t0 - failedAt : -1} ms after the failure`;
    }
  };
  let firstGap = 0;
  let lastGap = 0;
  let running = true;
  const streak = o.cookies.map(() => 0);
  let recoveredAt = Infinity;

  const one = async (url: string, cookie: string, api: boolean): Promise<boolean> => {
    const t0 = Date.now();
    try {
      const res = await fetch(api ? `${url}/api/x` : `${url}/session`, {
        headers: api ? { cookie, 'x-csrf': '1' } : { cookie },
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await res.json()) as { code?: string; authenticated?: boolean };
      took(t0, `${url}${api ? '/api/x' : '/session'} ${res.status} ${body.code ?? ''}`);
      if (res.status === 200 && (api || body.authenticated === true)) return true;
      if (res.status === 503 && body.code === 'session_store_unavailable') {
        unavailable++;
        slowestUnavailable = Math.max(slowestUnavailable, Date.now() - t0);
        firstGap ||= t0;
        lastGap = Date.now();
        return false;
      }
      unexpected.push(`${api ? '/api/x' : '/session'} ${res.status} ${JSON.stringify(body).slice(0, 120)}`);
    } catch (err) {
      took(t0, `${url} ${(err as Error).name}`);
      unexpected.push(`${api ? '/api/x' : '/session'} ${(err as Error).name}: ${(err as Error).message}`);
    }
    return false;
  };

  const loops = o.cookies.map(async (cookie, u) => {
    for (let i = u; running; i++) {
      const served = await one(o.urls[i % o.urls.length]!, cookie, i % 2 === 0);
      if (served) ok++;
      streak[u] = served ? streak[u]! + 1 : 0;
      if (!served) await sleep(50);
    }
  });

  await sleep(1_000);
  failedAt = Date.now();
  const recovered = await o.fail();
  await recovered();
  recoveredAt = Date.now();
  const promotionMs = recoveredAt - failedAt;
  const deadline = recoveredAt + 20_000;
  streak.fill(0);
  while (Date.now() < deadline && (Date.now() < recoveredAt + (o.afterMs ?? 3_000) || streak.some((s) => s < 3))) await sleep(50);
  running = false;
  await Promise.all(loops);
  return {
    summary: { ok, unavailable, gapMs: lastGap - firstGap, promotionMs },
    unexpected,
    slowest,
    slowestUnavailable,
    slowestWas,
    everyoneServedAfter: streak.every((s) => s >= 3),
  };
}
