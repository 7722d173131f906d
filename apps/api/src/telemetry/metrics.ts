import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ClientTokenObserver, ClientTokenSource, LeaseWaitOutcome, RefreshObserver, RefreshOutcome } from './refresh-observer.js';
import { RequestHistogram, type Series } from './request-histogram.js';
import { routeGroup, type RouteGroup } from './route-group.js';

/** How an upstream call failed, as `/api/*` answers it (`502` / `504`). */
export type UpstreamErrorKind = 'unavailable' | 'timeout';

/** Something that can say how many sessions are live, cheaply (called once per scrape). */
export interface SessionCounter {
  count(): Promise<number>;
}

/** Options of {@link Metrics}. */
export interface MetricsOptions {
  /** Whether unknown GET paths are the web app's (`web`) or nobody's (`other`). */
  serveWeb: boolean;
  /** Source of the `bff_active_sessions` gauge; none: the gauge is not exported. */
  sessions?: SessionCounter;
  /** Process metrics (CPU, memory, event loop lag, GC). Off in unit tests that build many registries. */
  processMetrics?: boolean;
}


/**
 * The API's Prometheus metrics, in a registry of their own (nothing leaks in from other
 * libraries using prom-client's global one). Observing is in-memory only: the hot path pays a
 * map lookup and a histogram bucket increment, never a Redis round trip.
 * @see https://prometheus.io/docs/practices/naming/
 */
export class Metrics implements RefreshObserver, ClientTokenObserver {
  readonly registry = new Registry();
  readonly #serveWeb: boolean;
  readonly #requests: RequestHistogram;
  readonly #clientTokens: Counter<'source'>;
  /** Series of the request histogram by api_route, route group, then status class. */
  readonly #requestSeries = new Map<string, Map<RouteGroup, Map<string, Series>>>();
  readonly #refreshes: Counter<'outcome'>;
  readonly #refreshDuration: Histogram<'outcome'>;
  readonly #leaseWaits: Histogram<'outcome'>;
  readonly #joined: Counter;
  readonly #upstreamErrors: Counter<'kind'>;
  readonly #sessionsStarted: Counter;
  readonly #sessionsEnded: Counter;

  constructor(options: MetricsOptions) {
    this.#serveWeb = options.serveWeb;
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'bff_' });
    this.#requests = new RequestHistogram(
      'bff_http_request_duration_seconds',
      'Time from the first byte of a request to the end of its response, by route group, status class and (for /api/*) the matched route table prefix.',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      this.registry,
    );
    this.#refreshes = new Counter({
      name: 'bff_refresh_total',
      help: 'Refresh token grants sent to the IdP, by outcome (refreshed, session_expired, idp_unavailable, stale).',
      labelNames: ['outcome'],
      registers,
    });
    this.#refreshDuration = new Histogram({
      name: 'bff_refresh_duration_seconds',
      help: 'Time the IdP took to answer a refresh token grant, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#leaseWaits = new Histogram({
      name: 'bff_refresh_lease_wait_seconds',
      help: "Time a refresh waited on another instance's lease (count = how many waited), by how the wait ended.",
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers,
    });
    this.#joined = new Counter({
      name: 'bff_refresh_joined_total',
      help: 'Requests that needed a refresh and joined the one this process already had in flight for the session.',
      registers,
    });
    this.#upstreamErrors = new Counter({
      name: 'bff_upstream_errors_total',
      help: 'Failed calls to API_UPSTREAM_URL, by kind (unavailable: 502, timeout: 504).',
      labelNames: ['kind'],
      registers,
    });
    this.#clientTokens = new Counter({
      name: 'bff_client_token_total',
      help: "Tokens for `client` routes, by where they came from: memory and redis (cache hits), granted (a client_credentials grant at the IdP), failed.",
      labelNames: ['source'],
      registers,
    });
    for (const source of ['memory', 'redis', 'granted', 'failed'] satisfies ClientTokenSource[]) this.#clientTokens.inc({ source }, 0);
    this.#sessionsStarted = new Counter({ name: 'bff_sessions_started_total', help: 'Sign-ins that created a session (this process).', registers });
    this.#sessionsEnded = new Counter({
      name: 'bff_sessions_ended_total',
      help: 'Sessions ended by this process: sign-out or a rejected refresh token (not expiry).',
      registers,
    });
    for (const outcome of ['refreshed', 'session_expired', 'idp_unavailable', 'stale'] satisfies RefreshOutcome[]) this.#refreshes.inc({ outcome }, 0);
    for (const kind of ['unavailable', 'timeout'] satisfies UpstreamErrorKind[]) this.#upstreamErrors.inc({ kind }, 0);

    const sessions = options.sessions;
    if (sessions) {
      new Gauge({
        name: 'bff_active_sessions',
        help: 'Signed-in sessions not yet signed out, ended or past their absolute expiry (shared by all instances: aggregate with max, not sum).',
        registers,
        async collect() {
          // during a Redis outage the gauge reads NaN (unknown) instead of failing the whole scrape
          this.set(await sessions.count().catch(() => Number.NaN));
        },
      });
    }
  }

  /** Records one finished request (called from the request log line, which already measured it). */
  observeRequest(url: string, status: number, finished: boolean, seconds: number, apiRoute = ''): void {
    const route = routeGroup(url, this.#serveWeb);
    const status_class = finished ? statusClass(status) : 'aborted';
    // three small maps rather than one key string: no string built per request
    let byRoute = this.#requestSeries.get(apiRoute);
    if (!byRoute) this.#requestSeries.set(apiRoute, (byRoute = new Map()));
    let byStatus = byRoute.get(route);
    if (!byStatus) byRoute.set(route, (byStatus = new Map()));
    let series = byStatus.get(status_class);
    // api_route is a configured prefix (bounded by the route table), never the raw path
    if (!series) byStatus.set(status_class, (series = this.#requests.series({ route, status_class, api_route: apiRoute })));
    this.#requests.observe(series, seconds);
  }

  /** {@link RefreshObserver}: one refresh grant. */
  refreshed(outcome: RefreshOutcome, seconds: number): void {
    this.#refreshes.inc({ outcome });
    this.#refreshDuration.observe({ outcome }, seconds);
  }

  /** {@link RefreshObserver}: one wait on another instance's lease. */
  leaseWaited(outcome: LeaseWaitOutcome, seconds: number): void {
    this.#leaseWaits.observe({ outcome }, seconds);
  }

  /** {@link RefreshObserver}: a request joined an in-process refresh. */
  joinedInflight(): void {
    this.#joined.inc();
  }

  /** {@link ClientTokenObserver}: where a `client` route's token came from. */
  clientToken(source: ClientTokenSource): void {
    this.#clientTokens.inc({ source });
  }

  /** One failed upstream call. */
  upstreamError(kind: UpstreamErrorKind): void {
    this.#upstreamErrors.inc({ kind });
  }

  /** A sign-in created a session. */
  sessionStarted(): void {
    this.#sessionsStarted.inc();
  }

  /** A session was ended (sign-out, rejected refresh token). */
  sessionEnded(): void {
    this.#sessionsEnded.inc();
  }

  /** The Prometheus text exposition of every metric, with its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

function statusClass(status: number): string {
  return status >= 100 && status < 600 ? STATUS_CLASSES[Math.floor(status / 100) - 1]! : 'other';
}
