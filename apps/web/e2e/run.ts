// `npm run test:e2e`: issue 4's journey in headless Chromium against the production build served
// by the API, with real processes (Redis, the Cognito emulator, the demo upstream, the API).
// Prints one ✓/✗ line per step and `N passed, M failed`; exits non-zero on any failure.
// `--readme-screenshot` also refreshes docs/screenshots/signed-in.png.
import { mkdirSync, rmSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { callbackErrorSteps } from './callback-error.js';
import { DESKTOP, journeySteps, MOBILE } from './journey.js';
import { cleanUp, defer } from './support/cleanup.js';
import { PageWatch } from './support/page-watch.js';
import { ARTIFACTS_DIR } from './support/paths.js';
import { missingPrerequisites } from './support/preconditions.js';
import { startStack, type Stack } from './support/stack.js';
import { check, recordFailure, runScenario, tally } from './support/steps.js';

const GLOBAL_TIMEOUT_MS = 120_000;
const STEP_ACTION_TIMEOUT_MS = 15_000;
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

let finished = false;
let artifactsStarted = false;

/** Prints the summary, cleans up everything that was started and exits. */
async function finish(): Promise<never> {
  finished = true;
  await cleanUp();
  const { passed, failed, skipped } = tally();
  if (artifactsStarted) console.log(`\nScreenshots and api.log: ${ARTIFACTS_DIR}`);
  if (skipped > 0) console.log(`${skipped} skipped`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

function abort(title: string, err: unknown): void {
  if (finished) return;
  recordFailure(title, err);
  void finish();
}

async function scenarios(stack: Stack, browser: Browser, readmeScreenshot: boolean): Promise<void> {
  const desktop = await browser.newContext({ viewport: DESKTOP });
  const journeyWatch = new PageWatch(desktop, stack.appUrl);
  const page = await desktop.newPage();
  page.setDefaultTimeout(STEP_ACTION_TIMEOUT_MS);
  await runScenario('Sign in, call the API past the token’s lifetime, reload, sign out', page, journeySteps({
    page, context: desktop, stack, watch: journeyWatch, readmeScreenshot,
  }), () => journeyWatch.errors);
  await desktop.close();

  const mobile = await browser.newContext({ viewport: MOBILE });
  const errorWatch = new PageWatch(mobile, stack.appUrl);
  const errorPage = await mobile.newPage();
  errorPage.setDefaultTimeout(STEP_ACTION_TIMEOUT_MS);
  await runScenario('A callback with a bogus state', errorPage, [
    ...callbackErrorSteps({ page: errorPage, stack }),
    {
      title: 'no uncaught page errors and no console errors',
      run: async () => {
        if (errorWatch.errors.length > 0) throw new Error(errorWatch.errors.join('\n'));
      },
    },
  ], () => errorWatch.errors);
  await mobile.close();
}

async function main(): Promise<void> {
  const readmeScreenshot = process.argv.includes('--readme-screenshot');
  const problems = missingPrerequisites(CHROMIUM_PATH);
  if (problems.length > 0) {
    for (const problem of problems) recordFailure('prerequisites', problem);
    return finish();
  }
  rmSync(ARTIFACTS_DIR, { recursive: true, force: true });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  artifactsStarted = true;

  let stack: Stack | undefined;
  const started = await check('Redis, Cognito emulator, demo upstream and API (production build) ready', async () => {
    stack = await startStack();
    return `${stack.appUrl} (Redis: ${stack.redis.source}; IdP: ${stack.emulator.issuer})`;
  });
  let browser: Browser | undefined;
  const launched =
    started &&
    (await check('headless Chromium launched', async () => {
      // Signals are handled here, so that the summary is printed and everything is cleaned up.
      browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        args: CHROMIUM_ARGS,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      const opened = browser;
      defer('Chromium', () => opened.close());
      return `${CHROMIUM_PATH} ${browser.version()}`;
    }));
  if (launched && stack && browser) await scenarios(stack, browser, readmeScreenshot);
  return finish();
}

setTimeout(() => abort('global timeout', new Error(`the run took longer than ${GLOBAL_TIMEOUT_MS / 1000} s`)), GLOBAL_TIMEOUT_MS);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (finished) process.exit(1); // a second Ctrl-C while cleaning up: stop waiting
    abort('interrupted', new Error(`received ${signal}`));
  });
}
main().catch((err: unknown) => abort('unexpected error', err));
