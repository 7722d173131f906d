/**
 * The MSW server every test shares, plus a log of the requests it saw so that a suite-wide
 * check can assert that every call carried the CSRF header and the cookie.
 */
import { setupServer } from 'msw/node';

export const server = setupServer();

/** Every request the app sent during the current test. */
export const sentRequests: Request[] = [];

server.events.on('request:start', ({ request }) => {
  sentRequests.push(request);
});
