// Issue 4's journey: sign in through the emulator, call the API after the access token expired,
// reload, sign out through the IdP, with the browser never holding a token. Issue 10 adds the
// live feed: a WebSocket through the BFF that reconnects after a refresh and ends with the session.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { captureNextResponse, type CapturedResponse } from './support/capture.js';
import { eventually, expectText, JWT_PATTERN } from './support/expect.js';
import type { PageWatch } from './support/page-watch.js';
import { README_SCREENSHOT } from './support/paths.js';
import { sleep } from './support/ports.js';
import { ACCESS_TOKEN_TTL_SECONDS, CLIENT, STEP_UP_SECONDS, type Stack } from './support/stack.js';
import type { Step } from './support/steps.js';

export const DESKTOP = { width: 1280, height: 800 } as const;
export const MOBILE = { width: 390, height: 844 } as const;
const USER = { username: 'alice', password: 'Passw0rd!', name: 'Alice Example' } as const;
const SESSION_COOKIE = 'bff.sid'; // over http; `__Host-bff.sid` over https

/** The signed-out screen is showing. */
export async function expectSignedOut(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1, name: 'Sign in to continue', exact: true }).waitFor();
}

/** What `GET /session` answers the page itself (same origin, with its cookie). */
export function sessionSeenByPage(page: Page): Promise<unknown> {
  return page.evaluate(async () => (await fetch('/session', { headers: { 'X-CSRF': '1' } })).json());
}

/** The page is not wider than the viewport (no sideways scrolling). */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `the page scrolls sideways: ${scrollWidth} px of content in ${clientWidth} px`);
}

/** The journey's steps, in order. */
export function journeySteps(opts: { page: Page; context: BrowserContext; stack: Stack; watch: PageWatch; readmeScreenshot: boolean }): Step[] {
  const { page, context, stack, watch } = opts;
  const app = new URL(stack.appUrl);
  const idp = new URL(stack.emulator.url);
  const signedInRegion = page.getByRole('region', { name: 'Signed-in user', exact: true });
  const apiRegion = page.getByRole('region', { name: 'API response', exact: true });
  let signedInAt = 0;
  const liveRegion = (p: Page) => p.getByRole('region', { name: 'Live feed', exact: true });
  let secondTab: Page | undefined;
  let secondTabSockets = 0;
  let secondTabNavigations = 0;

  return [
    {
      slug: 'signed-out',
      title: 'the production build answers / with a CSP and shows the signed-out view',
      run: async () => {
        const response = await page.goto(stack.appUrl);
        assert.ok(response, 'no response for /');
        assert.equal(response.status(), 200);
        assert.match(response.headers()['content-type'] ?? '', /^text\/html/);
        const csp = response.headers()['content-security-policy'];
        assert.ok(csp, 'no Content-Security-Policy header on the HTML');
        assert.match(csp, /default-src 'self'/);
        assert.match(csp, /script-src 'self'/);
        assert.match(csp, /frame-ancestors 'none'/);
        await expectSignedOut(page);
      },
    },
    {
      slug: 'emulator-sign-in',
      title: 'Sign in leads to the emulator’s sign-in page (code flow, PKCE S256, state, nonce)',
      run: async () => {
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL((url) => url.origin === idp.origin);
        await page.locator('input[name=username]').waitFor();
        const authorize = watch.navigations.find((u) => u.origin === idp.origin && u.searchParams.has('response_type'));
        assert.ok(authorize, 'no authorization request to the emulator was seen');
        const q = authorize.searchParams;
        assert.equal(q.get('response_type'), 'code');
        assert.equal(q.get('client_id'), CLIENT.id);
        assert.equal(q.get('redirect_uri'), `${app.origin}/auth/callback`);
        assert.equal(q.get('code_challenge_method'), 'S256');
        assert.ok(q.get('code_challenge') && q.get('state') && q.get('nonce'), 'code_challenge, state and nonce must all be set');
      },
    },
    {
      slug: 'signed-in',
      title: `${USER.username} signs in and is back in the app as "${USER.name}"`,
      run: async () => {
        await page.locator('input[name=username]').fill(USER.username);
        await page.locator('input[name=password]').fill(USER.password);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL((url) => url.origin === app.origin);
        await signedInRegion.getByRole('heading', { name: USER.name, exact: true }).waitFor();
        signedInAt = Date.now();
        const url = new URL(page.url());
        assert.equal(url.pathname, '/', 'the callback should redirect to returnTo (/)');
        assert.ok(!url.searchParams.has('code') && !url.searchParams.has('state'), `code or state left in the URL: ${url.href}`);
        await expectText(signedInRegion, /alice@example\.com/);
      },
    },
    {
      slug: 'step-up-fresh',
      title: `right after signing in, the step-up route (a sign-in within ${STEP_UP_SECONDS} s) answers 200`,
      run: async () => {
        const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/recent/payment');
        await page.getByRole('button', { name: 'Recent sign-in', exact: true }).click();
        const response = await answered;
        assert.equal(response.status(), 200, `GET /api/recent/payment answered ${response.status()}: ${await response.text()}`);
      },
    },
    {
      slug: 'cookie-httponly',
      title: 'the session cookie is HttpOnly (document.cookie is empty) and no token is in Web Storage',
      run: async () => {
        assert.equal(await page.evaluate(() => document.cookie), '');
        const cookies = await context.cookies(stack.appUrl);
        const session = cookies.find((c) => c.name === SESSION_COOKIE);
        assert.ok(session, `no ${SESSION_COOKIE} cookie; cookies: ${cookies.map((c) => c.name).join(', ') || 'none'}`);
        assert.equal(session.httpOnly, true);
        assert.equal(session.sameSite, 'Lax');
        assert.equal(session.path, '/');
        assert.doesNotMatch(session.value, JWT_PATTERN);
        const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
        assert.doesNotMatch(storage, JWT_PATTERN);
      },
    },
    {
      slug: 'api-call',
      title: `after the ${ACCESS_TOKEN_TTL_SECONDS} s access token expired, "Call the API" answers 200 with the upstream’s answer`,
      fullPage: true,
      run: async () => {
        await sleep(Math.max(0, signedInAt + (ACCESS_TOKEN_TTL_SECONDS + 1.5) * 1000 - Date.now()));
        const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/hello');
        await page.getByRole('button', { name: 'Call the API', exact: true }).click();
        const response = await answered;
        assert.equal(response.status(), 200, `GET /api/hello answered ${response.status()}: ${await response.text()}`);
        const body = (await response.json()) as {
          claims?: { username?: string; client_id?: string; token_use?: string };
          token?: { secondsRemaining?: number };
          request?: { receivedCookies?: boolean };
        };
        assert.equal(body.claims?.username, USER.username);
        assert.equal(body.claims?.client_id, CLIENT.id);
        assert.equal(body.claims?.token_use, 'access');
        assert.ok((body.token?.secondsRemaining ?? 0) > 0, 'the upstream got an expired access token');
        assert.equal(body.request?.receivedCookies, false, 'the browser’s Cookie header reached the upstream');
        const stats = await stack.emulator.stats();
        assert.ok(stats.grants.refresh_token >= 1, `no refresh grant at the emulator: ${JSON.stringify(stats.grants)}`);

        await expectText(apiRegion.getByRole('status'), /^Status 200 in \d+ ms$/);
        await expectText(apiRegion, /Hello alice from the demo upstream/);
        await expectText(apiRegion, /token_use ?access/);
        const rows = page.getByRole('table', { name: 'Recent calls', exact: true }).getByRole('row');
        await eventually(async () => assert.equal(await rows.count(), 3, 'one header row, the step-up call and this one'));

        if (opts.readmeScreenshot) {
          // No hover or focus state in the picture.
          await page.mouse.move(0, 0);
          await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
          await sleep(300); // the buttons' colour transition
          mkdirSync(dirname(README_SCREENSHOT), { recursive: true });
          await page.screenshot({ path: README_SCREENSHOT });
        }
      },
    },
    {
      slug: 'step-up',
      title: `once the sign-in is older than ${STEP_UP_SECONDS} s, the step-up route sends alice through the sign-in form again (prompt=login, max_age) and back to the page, where it answers 200`,
      run: async () => {
        await sleep(Math.max(0, signedInAt + (STEP_UP_SECONDS + 1) * 1000 - Date.now()));
        watch.expectedFailures.push('/api/recent/');
        const refused = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/recent/payment');
        await page.getByRole('button', { name: 'Recent sign-in', exact: true }).click();
        const first = await refused;
        assert.equal(first.status(), 401); // step_up_required; the page navigates away at once, so its body cannot be read here
        // the IdP shows its form although its own session is alive: prompt=login
        await page.waitForURL((url) => url.origin === idp.origin);
        const authorize = [...watch.navigations].reverse().find((u) => u.origin === idp.origin && u.searchParams.has('response_type'));
        assert.equal(authorize?.searchParams.get('prompt'), 'login');
        assert.equal(authorize?.searchParams.get('max_age'), String(STEP_UP_SECONDS));
        await page.locator('input[name=password]').waitFor();
        await page.locator('input[name=username]').fill(USER.username);
        await page.locator('input[name=password]').fill(USER.password);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL((url) => url.origin === app.origin);
        assert.equal(new URL(page.url()).pathname, '/', 'the step-up sign-in should come back to the page it left');
        await signedInRegion.getByRole('heading', { name: USER.name, exact: true }).waitFor();
        signedInAt = Date.now();
        const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/recent/payment');
        await page.getByRole('button', { name: 'Recent sign-in', exact: true }).click();
        assert.equal((await answered).status(), 200);
      },
    },
    {
      slug: 'live-feed',
      title: 'the live feed (a WebSocket through the BFF) shows ticks for alice, and reconnects when the upstream closes on token expiry',
      run: async () => {
        const status = liveRegion(page).getByRole('status');
        await expectText(liveRegion(page).getByTestId('live-tick'), /^alice · tick \d+ · /);
        const connections = async () => Number(await status.getAttribute('data-connections'));
        const before = await connections();
        // the demo upstream closes with 4001 once the 3 s access token it accepted expires: the panel
        // reconnects, and the BFF refreshes the token before the new upstream handshake
        await eventually(async () => assert.ok((await connections()) > before, `still ${await connections()} connection(s)`), (ACCESS_TOKEN_TTL_SECONDS + 6) * 1000);
        await expectText(status, /^Live$/);
        await expectText(liveRegion(page).getByTestId('live-tick'), /^alice · tick \d+ · /);
        const cookies = await context.cookies(stack.appUrl);
        assert.ok(!(await page.evaluate(() => document.cookie)), 'a cookie readable by script');
        assert.ok(cookies.every((c) => !JWT_PATTERN.test(c.value)), 'a token in a cookie');
      },
    },
    {
      slug: 'signed-in-mobile',
      title: `at ${MOBILE.width} px wide the signed-in view fits without sideways scrolling`,
      fullPage: true,
      run: async () => {
        await page.setViewportSize(MOBILE);
        await signedInRegion.waitFor();
        await eventually(() => expectNoHorizontalOverflow(page), 2_000);
      },
    },
    {
      slug: 'reloaded',
      title: 'after a reload the user is still signed in',
      run: async () => {
        await page.setViewportSize(DESKTOP);
        await page.reload();
        await signedInRegion.getByRole('heading', { name: USER.name, exact: true }).waitFor();
        await expectText(apiRegion.getByRole('status'), /No call yet/);
      },
    },
    {
      slug: 'live-second-tab',
      title: 'a second tab of the same session gets its own live feed',
      run: async () => {
        secondTab = await context.newPage();
        secondTab.on('websocket', () => void (secondTabSockets += 1));
        secondTab.on('framenavigated', (frame) => void (frame === secondTab?.mainFrame() && (secondTabNavigations += 1)));
        await secondTab.goto(stack.appUrl);
        await expectText(liveRegion(secondTab).getByTestId('live-tick'), /^alice · tick \d+ · /);
      },
    },
    {
      slug: 'signed-out-again',
      title: 'Sign out goes through the emulator’s /logout back to the signed-out view',
      run: async () => {
        const before = watch.navigations.length;
        // Marks this document, to tell when the browser has loaded a new one.
        await page.evaluate(() => Object.assign(window, { e2eBeforeSignOut: true }));
        const capture = await captureNextResponse(context, page, `${app.origin}/auth/logout`);
        let answer: CapturedResponse;
        try {
          const requested = page.waitForRequest((r) => new URL(r.url()).pathname === '/auth/logout');
          await page.getByRole('button', { name: 'Sign out', exact: true }).click();
          assert.equal((await requested).headers()['x-csrf'], '1', 'POST /auth/logout without X-CSRF: 1');
          answer = await capture.response;
        } finally {
          await capture.stop();
        }
        watch.addBody(`${app.origin}/auth/logout`, answer.status, answer.headers, answer.body);
        assert.equal(answer.status, 200, `POST /auth/logout answered ${answer.status}: ${answer.body}`);
        const { logoutUrl } = JSON.parse(answer.body) as { logoutUrl?: unknown };
        assert.ok(typeof logoutUrl === 'string', `POST /auth/logout answered no logoutUrl: ${answer.body}`);
        await eventually(async () => assert.equal(await page.evaluate(() => 'e2eBeforeSignOut' in window), false));
        await expectSignedOut(page);
        const logout = watch.navigations.slice(before).find((u) => u.origin === idp.origin && u.pathname === '/logout');
        const seen = watch.navigations.slice(before).map((u) => u.href).join(', ');
        assert.ok(logout, `no navigation to ${idp.origin}/logout (logoutUrl: ${String(logoutUrl)}); saw ${seen}`);
        assert.equal(logout.searchParams.get('client_id'), CLIENT.id);
        assert.equal(logout.searchParams.get('logout_uri'), `${app.origin}/`);
        assert.equal(logout.href, logoutUrl, 'the page did not follow the logoutUrl');
        assert.equal(page.url(), `${app.origin}/`);
      },
    },
    {
      slug: 'session-ended',
      title: 'afterwards /session says { authenticated: false }, the cookie is gone and the refresh token was revoked',
      run: async () => {
        assert.deepEqual(await sessionSeenByPage(page), { authenticated: false });
        const cookies = await context.cookies(stack.appUrl);
        assert.ok(!cookies.some((c) => c.name === SESSION_COOKIE), `${SESSION_COOKIE} is still set`);
        const stats = await stack.emulator.stats();
        assert.ok(stats.revocations >= 1, 'POST /auth/logout did not revoke the refresh token at the emulator');
      },
    },
    {
      slug: 'live-session-ended',
      title: 'the sign-out closed the second tab’s live feed with 4401: the tab falls back to signed out by itself (no reload) and does not reconnect',
      run: async () => {
        assert.ok(secondTab, 'no second tab');
        const navigations = secondTabNavigations;
        // @app/react's useLiveSocket stops at 4401 and makes useSession() ask /session again
        await expectSignedOut(secondTab);
        assert.equal(secondTabNavigations, navigations, 'the second tab navigated instead of updating itself');
        const sockets = secondTabSockets;
        await sleep(1_500); // longer than the first reconnect delay
        assert.equal(secondTabSockets, sockets, 'the feed reconnected after 4401');
        await secondTab.close();
      },
    },
    {
      title: 'no same-origin response the page received carried a JWT (bodies and headers)',
      run: async () => {
        const inspections = await watch.inspections();
        assert.deepEqual(inspections.flatMap((i) => i.leak ?? []), [], 'a JWT reached the page');
        for (const path of ['/session', '/api/hello', '/auth/logout']) {
          assert.ok(inspections.some((i) => new URL(i.url).pathname === path && i.bodyRead), `no body of ${path} was read`);
        }
        const read = new Set(inspections.filter((i) => i.bodyRead).map((i) => i.url));
        const unreadable = inspections.filter((i) => !read.has(i.url)).map((i) => new URL(i.url).pathname);
        const unread = unreadable.length > 0 ? `; bodies the browser dropped before they could be read: ${unreadable.join(', ')}` : '';
        return `${inspections.length} responses checked${unread}`;
      },
    },
    {
      title: 'no uncaught page errors and no console errors (CSP violations included)',
      run: async () => {
        assert.deepEqual(watch.errors, []);
      },
    },
  ];
}
