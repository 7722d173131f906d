// The few assertions the journey needs beyond node:assert: retrying until the UI catches up.
import { AssertionError } from 'node:assert';
import type { Locator } from 'playwright-core';
import { sleep } from './ports.js';

/** Retries `assertion` until it stops throwing or `timeoutMs` passes; then throws its last error. */
export async function eventually<T>(assertion: () => Promise<T> | T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

/** The text of `locator` with runs of white space collapsed (screen-reader-only text included). */
export async function textOf(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Waits until the text of `locator` matches `pattern`; returns that text. */
export async function expectText(locator: Locator, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  let last = '';
  try {
    return await eventually(async () => {
      last = await textOf(locator);
      if (!pattern.test(last)) throw new Error('no match yet');
      return last;
    }, timeoutMs);
  } catch {
    throw new AssertionError({ message: `expected text matching ${pattern}, got "${last}"`, actual: last, expected: pattern });
  }
}

/** A JWT (header.payload…): `eyJ` is `{"` in base64url. */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
