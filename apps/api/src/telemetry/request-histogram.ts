import type { MetricValueWithName, Registry } from 'prom-client';

/** One label set's counts. */
export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket (not cumulative); the last slot is `+Inf`. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram whose label sets are resolved once ({@link series}) and whose
 * observation is a bucket search and three additions: prom-client's `Histogram` re-validates and
 * re-hashes the labels on every `observe`, even through a `labels()` child, which cost a few µs
 * on every request (docs/benchmarks.md). Registered in a prom-client {@link Registry} like any of
 * its metrics (it implements `get()`/`reset()`), so the exposition format is prom-client's own.
 */
export class RequestHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #series: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    bounds: readonly number[],
    registry: Registry,
  ) {
    this.#bounds = [...bounds].sort((a, b) => a - b);
    registry.registerMetric(this as never);
  }

  /** The series of a label set; resolve it once and keep it. */
  series(labels: Record<string, string>): Series {
    const found: Series = { labels: Object.freeze({ ...labels }), counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
    this.#series.push(found);
    return found;
  }

  observe(series: Series, value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    series.counts[i]! += 1;
    series.sum += value;
    series.count += 1;
  }

  /** What prom-client's registry renders: cumulative buckets (`le`), `_sum` and `_count` per series. */
  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: MetricValueWithName<string>[] } {
    const values: MetricValueWithName<string>[] = [];
    for (const s of this.#series) {
      let cumulative = 0;
      for (let i = 0; i <= this.#bounds.length; i++) {
        cumulative += s.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: i < this.#bounds.length ? this.#bounds[i]! : '+Inf', ...s.labels }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const s of this.#series) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
