// The load generator, in its own process so its CPU is not billed to the runner: autocannon
// against one URL, taking the cookies of a file round robin (one per request, across all
// connections). `tsx bench/load.ts <json options>` prints one JSON result line on stdout.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

interface LoadOptions {
  url: string;
  connections: number;
  duration: number;
  /** File with one `Cookie` header value per line; none: no cookie. */
  cookiesFile?: string;
  headers?: Record<string, string>;
  /** Requests per second over all connections (autocannon `overallRate`); none: as fast as the target answers. */
  rate?: number;
  /** Also report the p99 of each slice of this many seconds (`slices`, `worstSliceP99`): where in a long run the tail was. */
  sliceSeconds?: number;
}

const options = JSON.parse(process.argv[2]!) as LoadOptions;
const cookies = options.cookiesFile ? readFileSync(options.cookiesFile, 'utf8').split('\n').filter(Boolean) : [];
let next = 0;

/** Latencies (ms) of the responses of each slice, by slice index. */
const slices: number[][] = [];
const sliceMs = (options.sliceSeconds ?? 0) * 1000;
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      duration: options.duration,
      headers: options.headers ?? {},
      ...(options.rate ? { overallRate: options.rate } : {}),
      ...(cookies.length
        ? {
            requests: [
              {
                setupRequest: (req) => {
                  req.headers = { ...req.headers, cookie: cookies[next++ % cookies.length]! };
                  return req;
                },
              },
            ],
          }
        : {}),
    },
    (err, done) => (err ? reject(err) : resolve(done)),
  );
  if (sliceMs > 0) {
    const started = Date.now();
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      (slices[Math.floor((Date.now() - started) / sliceMs)] ??= []).push(responseTime);
    });
  }
});
const p99Of = (latencies: number[]) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0);
};
const sliced = slices.map((latencies, i) => ({ fromS: i * (options.sliceSeconds ?? 0), n: latencies.length, p99: p99Of(latencies ?? []) })).filter((s) => s.n > 0);
console.log(
  JSON.stringify({
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    distinctCookies: Math.min(next, cookies.length),
    ...(sliceMs > 0 ? { slices: sliced, worstSliceP99: Math.max(0, ...sliced.map((s) => s.p99)) } : {}),
  }),
);
