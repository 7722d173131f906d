import { describe, expect, it } from 'vitest';
import { BffError, bffQueryKeys } from '@app/react';
import { createQueryClient, retryDelay, shouldRetry } from './query-client';

const sessionQueryKey = bffQueryKeys.session;
const apiError = (status: number, code: BffError['code'] = 'http_error') => new BffError({ code, status, title: 'x' });

describe('retry policy', () => {
  it.each([400, 401, 403, 404, 409, 429, 500, 504])('never retries a %i', (status) => {
    expect(shouldRetry(0, apiError(status))).toBe(false);
  });

  it.each([502, 503, 0])('retries a %i up to three times', (status) => {
    expect(shouldRetry(0, apiError(status))).toBe(true);
    expect(shouldRetry(2, apiError(status))).toBe(true);
    expect(shouldRetry(3, apiError(status))).toBe(false);
  });

  it('does not retry errors that are not BffErrors (bugs, not outages)', () => {
    expect(shouldRetry(0, new TypeError('boom'))).toBe(false);
  });

  it('backs off exponentially', () => {
    expect([0, 1, 2, 3].map(retryDelay)).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelay(10)).toBe(10_000);
  });

  it('uses the policy by default and none when asked for retry: false', () => {
    expect(createQueryClient().getDefaultOptions().queries?.retry).toBe(shouldRetry);
    expect(createQueryClient({ retry: false }).getDefaultOptions().queries?.retry).toBe(false);
  });
});

describe('on a 401', () => {
  function clientWithSession() {
    const client = createQueryClient({ retry: false });
    client.setQueryData(sessionQueryKey, { authenticated: false });
    return client;
  }
  const sessionInvalidated = (client: ReturnType<typeof createQueryClient>) => client.getQueryState(sessionQueryKey)?.isInvalidated;

  it('invalidates the session when a query fails with 401', async () => {
    const client = clientWithSession();
    await client.fetchQuery({ queryKey: ['other'], queryFn: () => Promise.reject(apiError(401, 'unauthenticated')) }).catch(() => undefined);
    expect(sessionInvalidated(client)).toBe(true);
  });

  it('invalidates the session when a mutation fails with 401', async () => {
    const client = clientWithSession();
    const mutation = client.getMutationCache().build(client, { mutationFn: () => Promise.reject(apiError(401, 'session_expired')) });
    await mutation.execute(undefined).catch(() => undefined);
    expect(sessionInvalidated(client)).toBe(true);
  });

  it('leaves the session alone on a step_up_required (the session is fine, only too old for the route)', async () => {
    const client = clientWithSession();
    await client.fetchQuery({ queryKey: ['other'], queryFn: () => Promise.reject(apiError(401, 'step_up_required')) }).catch(() => undefined);
    expect(sessionInvalidated(client)).toBe(false);
  });

  it('leaves the session alone on other errors', async () => {
    const client = clientWithSession();
    await client.fetchQuery({ queryKey: ['other'], queryFn: () => Promise.reject(apiError(403, 'csrf_header_missing')) }).catch(() => undefined);
    expect(sessionInvalidated(client)).toBe(false);
  });
});
