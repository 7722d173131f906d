// Runs named steps in order, prints one ✓/✗ line per step with its time, and saves a screenshot
// of the page after each browser step as NN-<slug>.png.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS_DIR } from './paths.js';

/** One check of the journey. */
export interface Step {
  /** File-name part of the screenshot; none for steps without a page. */
  slug?: string;
  title: string;
  /** Throws when the check fails; may return a short note for the report. */
  run: () => Promise<string | void>;
  /** Screenshot of the whole page instead of the viewport. */
  fullPage?: boolean;
}

/** A step's outcome. */
export interface StepResult {
  title: string;
  outcome: 'passed' | 'failed' | 'skipped';
  ms: number;
}

/** No step may take longer; a hung one fails and the rest of its scenario is skipped. */
const STEP_TIMEOUT_MS = 30_000;

const results: StepResult[] = [];

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the step took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
let screenshotNumber = 0;

function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').map((line) => `      ${line}`).join('\n');
}

/** Runs one step that needs no page (setup); returns whether it passed. */
export async function check(title: string, run: () => Promise<string | void>): Promise<boolean> {
  const started = performance.now();
  try {
    const note = await run();
    const ms = Math.round(performance.now() - started);
    results.push({ title, outcome: 'passed', ms });
    console.log(`✓ ${title}${note ? `: ${note}` : ''} (${ms} ms)`);
    return true;
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    results.push({ title, outcome: 'failed', ms });
    console.log(`✗ ${title} (${ms} ms)\n${describe(err)}`);
    return false;
  }
}

/**
 * Runs a scenario's steps in order against `page`. Each step builds on the one before, so after
 * a failure the rest are reported as skipped. `diagnose` lists what may explain a failure
 * (the page's errors), printed with it.
 */
export async function runScenario(name: string, page: Page, steps: Step[], diagnose: () => string[] = () => []): Promise<void> {
  console.log(`\n${name}`);
  let failed = false;
  for (const step of steps) {
    const label = step.slug ? `${String(++screenshotNumber).padStart(2, '0')}-${step.slug}` : undefined;
    const heading = `${label ? `${label}  ` : ''}${step.title}`;
    if (failed) {
      results.push({ title: step.title, outcome: 'skipped', ms: 0 });
      console.log(`- ${heading} (skipped: an earlier step failed)`);
      continue;
    }
    const started = performance.now();
    let error: unknown;
    let note: string | void = undefined;
    try {
      note = await withTimeout(step.run(), STEP_TIMEOUT_MS);
    } catch (err) {
      error = err;
      failed = true;
    }
    const ms = Math.round(performance.now() - started);
    if (label) {
      // Also after a failure: the picture usually says why.
      await page.screenshot({ path: join(ARTIFACTS_DIR, `${label}.png`), fullPage: step.fullPage ?? false }).catch(() => undefined);
    }
    results.push({ title: step.title, outcome: failed ? 'failed' : 'passed', ms });
    if (!failed) {
      console.log(`✓ ${heading}${note ? `: ${note}` : ''} (${ms} ms)`);
    } else {
      const clues = diagnose();
      console.log(`✗ ${heading} (${ms} ms)\n${describe(error)}`);
      if (clues.length > 0) console.log(`      what the page reported:\n${describe(clues.join('\n'))}`);
    }
  }
}

/** Records a failure that is not a step (global timeout, interruption). */
export function recordFailure(title: string, err: unknown): void {
  results.push({ title, outcome: 'failed', ms: 0 });
  console.log(`✗ ${title}\n${describe(err)}`);
}

/** Passed and failed counts so far (skipped steps count as neither). */
export function tally(): { passed: number; failed: number; skipped: number } {
  const count = (outcome: StepResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  return { passed: count('passed'), failed: count('failed'), skipped: count('skipped') };
}
