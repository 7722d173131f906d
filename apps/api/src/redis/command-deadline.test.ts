import { describe, expect, it } from 'vitest';
import { TimeoutError } from 'redis';
import { CommandDeadlines } from './command-deadline.js';

describe('CommandDeadlines', () => {
  it('fails a command that never answers with a TimeoutError, within the timeout plus the sweep resolution', async () => {
    const deadlines = new CommandDeadlines(200, 20);
    const t0 = Date.now();
    const err = await deadlines.track(new Promise(() => undefined)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(195);
    expect(Date.now() - t0).toBeLessThan(400);
  });

  it('passes answers and errors through, and a late command still gets its own full timeout', async () => {
    // margins of 200 ms or more either way: the test must hold on a loaded 2-core machine
    const deadlines = new CommandDeadlines(800, 10);
    await expect(deadlines.track(Promise.resolve('v'))).resolves.toBe('v');
    await expect(deadlines.track(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const slow = deadlines.track(new Promise((r) => setTimeout(() => r('late but in time'), 500)));
    await new Promise((r) => setTimeout(r, 400));
    const second = deadlines.track(new Promise((r) => setTimeout(() => r('second'), 600))); // answers ~1,000 ms after the first began, past its deadline
    await expect(slow).resolves.toBe('late but in time');
    await expect(second).resolves.toBe('second');
  });
});
