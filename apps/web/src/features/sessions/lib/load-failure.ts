import { errorCodeSchema } from '@app/shared-types';
import { BffError } from '@app/react';

/**
 * What the sessions panel says when `GET /sessions` fails. A problem from the API says what went
 * wrong; anything else (no answer, or a body that is not the API's, such as a dev server's
 * index.html) means the request never reached the API, so say what to do about it.
 */
export function sessionsLoadFailure(error: Error, dev: boolean): string {
  const fromApi = error instanceof BffError && errorCodeSchema.safeParse(error.code).success;
  if (fromApi) return `Your sessions could not be loaded: ${error.message}.`;
  const todo = dev
    ? 'Is `npm run dev` running the API? The dev server forwards /sessions to it (API_ORIGIN, default http://localhost:3000).'
    : 'Please try again in a moment.';
  return `Could not load your sessions: the API did not answer. ${todo}`;
}
