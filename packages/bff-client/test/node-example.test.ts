// The Node example (examples/node-client.ts) against a real BFF, emulator and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@app/bff-testing';
import type { BffError } from '@app/bff-client';
import { callApiWithToken, readMySessions } from '../examples/node-client.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('the Node example', () => {
  it('calls /api/* with a bearer token that reaches the upstream as is', async () => {
    const echo = await callApiWithToken(stack.url, await stack.accessToken('alice'));
    expect(echo).toMatchObject({ claims: { username: 'alice', client_id: 'local-client', token_use: 'access' } });
    await expect(callApiWithToken(stack.url, 'forged')).rejects.toMatchObject({ code: 'invalid_token' } satisfies Partial<BffError>);
  });

  it('reads /session and /sessions with the session cookie in a cookie jar', async () => {
    const jar = await stack.signIn('bob');
    const { session, sessions } = await readMySessions(stack.url, jar.header()!);
    expect(session).toMatchObject({ authenticated: true, user: { username: 'bob' } });
    expect(sessions?.sessions.filter((s) => s.current)).toHaveLength(1);
  });

  it('says signed out for a cookie the BFF does not know', async () => {
    expect(await readMySessions(stack.url, 'bff.sid=s%3Anot-a-session.bad')).toEqual({ session: { authenticated: false }, sessions: undefined });
  });
});
