/**
 * The MSW server every test shares, plus a log of the requests it saw so that a suite-wide
 * check can assert that every call carried the CSRF header and the cookie.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';

/** Answers every test gets unless it says otherwise: the signed-in view lists sessions, here none. */
const defaultHandlers = [http.get('/sessions', () => HttpResponse.json({ sessions: [] }))];

export const server = setupServer(...defaultHandlers);

/** Every request the app sent during the current test. */
export const sentRequests: Request[] = [];

server.events.on('request:start', ({ request }) => {
  sentRequests.push(request);
});
