// A callback the API did not start (wrong state) must land on the app with a readable message,
// never on a 5xx and never with a session.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { expectNoHorizontalOverflow, expectSignedOut, sessionSeenByPage } from './journey.js';
import { eventually, expectText } from './support/expect.js';
import type { Stack } from './support/stack.js';
import type { Step } from './support/steps.js';

/** The scenario's steps, in order; runs in its own (narrow) browser context. */
export function callbackErrorSteps(opts: { page: Page; stack: Stack }): Step[] {
  const { page, stack } = opts;
  const alert = page.getByRole('alert');

  return [
    {
      slug: 'callback-error-mobile',
      title: '/auth/callback?state=bogus&code=x lands on the app with a readable sign-in error (390 px, no 5xx)',
      fullPage: true,
      run: async () => {
        const callback = page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/callback');
        await page.goto(`${stack.appUrl}/auth/callback?state=bogus&code=x`);
        const status = (await callback).status();
        assert.ok(status === 302 || (status >= 400 && status < 500), `GET /auth/callback answered ${status}; want 302 to the app or a 4xx`);
        const url = new URL(page.url());
        assert.equal(url.origin, stack.appUrl);
        assert.equal(url.pathname, '/');
        assert.ok(url.searchParams.get('authError'), `no authError in ${url.href}`);
        await expectSignedOut(page);
        await expectText(alert, /Sign-in failed/);
        await expectText(alert, /could not be verified|sign in again|try again/i);
        await expectNoHorizontalOverflow(page);
      },
    },
    {
      title: 'no session was created: /session says { authenticated: false }',
      run: async () => {
        assert.deepEqual(await sessionSeenByPage(page), { authenticated: false });
      },
    },
    {
      slug: 'callback-error-dismissed',
      title: 'Dismiss hides the message and removes authError from the URL',
      run: async () => {
        await alert.getByRole('button', { name: 'Dismiss', exact: true }).click();
        await eventually(async () => assert.equal(await alert.count(), 0, 'the alert is still shown'));
        assert.equal(new URL(page.url()).searchParams.has('authError'), false);
        await expectSignedOut(page);
      },
    },
  ];
}
