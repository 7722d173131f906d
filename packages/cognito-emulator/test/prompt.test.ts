import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { authorize, authorizationUrl, browser, signInAndExchange, submitSignIn, useEmulator, type Browser } from './support.js';

/** auth_time is in whole seconds: waiting past the next second makes a new sign-in visible. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));

/** auth_time of the ID token and of the access token; they must agree. */
function authTimes(tokens: Record<string, string>): number {
  const id = decodeJwt(tokens.id_token!).auth_time;
  const access = decodeJwt(tokens.access_token!).auth_time;
  expect(access).toBe(id);
  return id as number;
}

describe("prompt and max_age, as Cognito's managed login handles them", () => {
  const pool = useEmulator();

  async function signedIn(): Promise<{ b: Browser; authTime: number }> {
    const b = browser();
    const { tokens, silent } = await signInAndExchange(b, pool.d);
    expect(silent).toBe(false);
    return { b, authTime: authTimes(tokens) };
  }

  it('re-authorizes silently through a live hosted-UI session and keeps the original auth_time', async () => {
    const { b, authTime } = await signedIn();
    await nextSecond();
    const again = await signInAndExchange(b, pool.d);
    expect(again.silent).toBe(true);
    expect(authTimes(again.tokens)).toBe(authTime);
  });

  it('shows the sign-in form on prompt=login despite a live session, and auth_time moves to the new sign-in', async () => {
    const { b, authTime } = await signedIn();
    await nextSecond();
    const before = Math.floor(Date.now() / 1000);
    const outcome = await authorize(b, authorizationUrl(pool.d, { prompt: 'login' }));
    expect(outcome.kind).toBe('form');
    const stepUp = await signInAndExchange(b, pool.d, { extra: { prompt: 'login' } });
    expect(stepUp.silent).toBe(false);
    const newAuthTime = authTimes(stepUp.tokens);
    expect(newAuthTime).toBeGreaterThan(authTime);
    expect(newAuthTime).toBeGreaterThanOrEqual(before);
    // the session now carries the new sign-in: a later silent authorization reports it
    const later = await signInAndExchange(b, pool.d);
    expect(later.silent).toBe(true);
    expect(authTimes(later.tokens)).toBe(newAuthTime);
  });

  it('ignores max_age like Cognito: an older session still answers silently with its old auth_time', async () => {
    const { b, authTime } = await signedIn();
    await nextSecond();
    for (const maxAge of ['1', '0', 'not-a-number']) {
      const { tokens, silent } = await signInAndExchange(b, pool.d, { extra: { max_age: maxAge } });
      expect(silent, `max_age=${maxAge}`).toBe(true);
      expect(authTimes(tokens)).toBe(authTime);
    }
    expect(Math.floor(Date.now() / 1000) - authTime).toBeGreaterThan(0); // older than the max_age asked for
    // with prompt=login, as a step-up sends it, the user signs in again
    expect((await authorize(b, authorizationUrl(pool.d, { prompt: 'login', max_age: '0' }))).kind).toBe('form');
  });

  it('lets someone else sign in at a prompt=login form, replacing the session as Cognito does', async () => {
    const { b } = await signedIn();
    const other = await signInAndExchange(b, pool.d, { extra: { prompt: 'login' }, username: 'bob' });
    expect(decodeJwt(other.tokens.id_token!)['cognito:username']).toBe('bob');
    const after = await signInAndExchange(b, pool.d);
    expect(after.silent).toBe(true);
    expect(decodeJwt(after.tokens.id_token!)['cognito:username']).toBe('bob');
  });

  it('answers prompt=none silently with a session and with login_required without one', async () => {
    const { b, authTime } = await signedIn();
    const none = await signInAndExchange(b, pool.d, { extra: { prompt: 'none' } });
    expect(none.silent).toBe(true);
    expect(authTimes(none.tokens)).toBe(authTime);

    const outcome = await authorize(browser(), authorizationUrl(pool.d, { prompt: 'none', state: 's-none' }));
    expect(outcome.kind).toBe('callback');
    const callback = (outcome as { callback: URL }).callback;
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('state')).toBe('s-none');
  });

  it('treats prompt=select_account and prompt=consent as federation-only: no effect on a local sign-in', async () => {
    const { b, authTime } = await signedIn();
    for (const prompt of ['select_account', 'consent', 'select_account consent']) {
      const { tokens, silent } = await signInAndExchange(b, pool.d, { extra: { prompt } });
      expect(silent, prompt).toBe(true);
      expect(authTimes(tokens)).toBe(authTime);
    }
    // without a session they lead to the form, like no prompt at all
    const fresh = browser();
    expect((await authorize(fresh, authorizationUrl(pool.d, { prompt: 'select_account' }))).kind).toBe('form');
    // and combined with login, login still wins
    expect((await authorize(b, authorizationUrl(pool.d, { prompt: 'login consent' }))).kind).toBe('form');
    await submitSignIn(b, (await authorize(b, authorizationUrl(pool.d, { prompt: 'login' })) as { login: URL }).login);
  });
});
