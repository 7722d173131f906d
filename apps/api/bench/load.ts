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
}

const options = JSON.parse(process.argv[2]!) as LoadOptions;
const cookies = options.cookiesFile ? readFileSync(options.cookiesFile, 'utf8').split('\n').filter(Boolean) : [];
let next = 0;

const result = await autocannon({
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
});
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
  }),
);
