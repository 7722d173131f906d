import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestHistogram } from './request-histogram.js';

describe('RequestHistogram', () => {
  it("renders exactly what prom-client's Histogram renders for the same observations, and resets like it", async () => {
    const buckets = [0.005, 0.01, 0.1, 1, 10];
    const ours = new Registry();
    const theirs = new Registry();
    const mine = new RequestHistogram('h_seconds', 'help text', buckets, ours);
    const reference = new Histogram({ name: 'h_seconds', help: 'help text', labelNames: ['route', 'status_class'], buckets, registers: [theirs] });
    const a = mine.series({ route: 'api', status_class: '2xx' });
    const b = mine.series({ route: 'auth', status_class: '5xx' });
    const observations: [typeof a, string, number][] = [
      [a, '2xx', 0.001],
      [a, '2xx', 0.005], // on a bound: counted in that bucket (le)
      [a, '2xx', 0.05],
      [a, '2xx', 30], // above the last bound: +Inf only
      [b, '5xx', 0.2],
    ];
    for (const [series, status, value] of observations) {
      mine.observe(series, value);
      reference.observe({ route: series.labels.route!, status_class: status }, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    ours.resetMetrics();
    theirs.resetMetrics();
    mine.observe(a, 0.5);
    reference.observe({ route: 'api', status_class: '2xx' }, 0.5);
    // prom-client drops reset series; ours keeps them at zero (a series that existed stays exported)
    expect(await ours.metrics()).toContain('h_seconds_count{route="api",status_class="2xx"} 1');
    expect(await ours.metrics()).toContain('h_seconds_count{route="auth",status_class="5xx"} 0');
    expect(await ours.metrics()).toContain('h_seconds_bucket{le="1",route="api",status_class="2xx"} 1');
  });
});
