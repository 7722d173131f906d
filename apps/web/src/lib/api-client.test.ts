import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { problem } from '../testing/fixtures';
import { sentRequests, server } from '../testing/server';
import { ApiError, getJson, postJson, request } from './api-client';

const anyBody = (body: unknown) => body;

async function failureOf(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('api client', () => {
  it('sends X-CSRF: 1 and includes credentials on GET and POST, keeping the caller’s headers', async () => {
    server.use(
      http.get('/api/thing', () => HttpResponse.json({ ok: true })),
      http.post('/auth/logout', () => HttpResponse.json({ ok: true })),
    );

    await getJson('/api/thing', anyBody, { headers: { accept: 'application/json' } });
    await postJson('/auth/logout', anyBody);

    expect(sentRequests).toHaveLength(2);
    const [get, post] = sentRequests;
    expect(get?.method).toBe('GET');
    expect(get?.headers.get('x-csrf')).toBe('1');
    expect(get?.headers.get('accept')).toBe('application/json');
    expect(get?.credentials).toBe('include');
    expect(post?.method).toBe('POST');
    expect(post?.headers.get('x-csrf')).toBe('1');
    expect(post?.credentials).toBe('include');
  });

  it('turns problem+json into an ApiError with code, status, title and detail', async () => {
    server.use(http.get('/api/thing', () => problem(503, 'idp_unavailable', 'Identity provider unavailable', 'The IdP answered 502.')));

    const error = await failureOf(request('/api/thing'));

    expect(error.code).toBe('idp_unavailable');
    expect(error.status).toBe(503);
    expect(error.title).toBe('Identity provider unavailable');
    expect(error.detail).toBe('The IdP answered 502.');
  });

  it('reads problem+json with parameters in the media type', async () => {
    server.use(
      http.get('/api/thing', () =>
        HttpResponse.json(
          { type: 'about:blank', title: 'Unauthenticated', status: 401, code: 'session_expired' },
          { status: 401, headers: { 'content-type': 'application/problem+json; charset=utf-8' } },
        ),
      ),
    );

    const error = await failureOf(request('/api/thing'));

    expect(error.code).toBe('session_expired');
    expect(error.status).toBe(401);
  });

  it('gives problem details with an unknown code the generic http_error code but keeps the title', async () => {
    server.use(
      http.get('/api/thing', () =>
        HttpResponse.json({ type: 'about:blank', title: 'Teapot', status: 418, code: 'brewing' }, { status: 418, headers: { 'content-type': 'application/problem+json' } }),
      ),
    );

    const error = await failureOf(request('/api/thing'));

    expect(error).toMatchObject({ code: 'http_error', status: 418, title: 'Teapot' });
  });

  it('gives a non-problem failure the http_error code and its status', async () => {
    server.use(http.get('/api/thing', () => new HttpResponse('<h1>Bad gateway</h1>', { status: 502, headers: { 'content-type': 'text/html' } })));

    const error = await failureOf(request('/api/thing'));

    expect(error).toMatchObject({ code: 'http_error', status: 502 });
  });

  it('reports a failed connection as network_error with status 0 and the cause', async () => {
    server.use(http.get('/api/thing', () => HttpResponse.error()));

    const error = await failureOf(request('/api/thing'));

    expect(error).toMatchObject({ code: 'network_error', status: 0 });
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('reports a 2xx body that does not parse as invalid_response', async () => {
    server.use(http.get('/session', () => new HttpResponse('not json', { status: 200, headers: { 'content-type': 'application/json' } })));

    const error = await failureOf(getJson('/session', anyBody));

    expect(error).toMatchObject({ code: 'invalid_response', status: 200 });
  });
});
