import type { SessionResponse } from '@app/shared-types';
import { REFRESH_ACCESS_TOKEN_ERROR } from '@app/shared-types';
import { AlertBanner } from '../components/alert-banner';
import { useCallApi } from '../features/demo-api/api/call-api';
import { ApiPanel } from '../features/demo-api/components/api-panel';
import { LivePanel } from '../features/live/components/live-panel';
import { SessionCard } from '../features/session/components/session-card';
import { displayName, UserCard } from '../features/session/components/user-card';
import { SessionsPanel } from '../features/sessions/components/sessions-panel';
import { isBffError, type BffError } from '@app/react';

type SignedIn = Extract<SessionResponse, { authenticated: true }>;

/** Why the banner shows, most specific first; null when all is well. */
function outageMessage(session: SignedIn, sessionError: BffError | null, apiError: BffError | null): string | null {
  const unavailable = [apiError, sessionError].find((error) => isBffError(error, 503));
  if (unavailable?.code === 'idp_unavailable') return 'The identity provider cannot be reached, so your access token could not be refreshed. Your session is kept.';
  if (unavailable?.code === 'session_store_unavailable') return 'The session store is unavailable. Your session is kept; please try again in a moment.';
  if (unavailable) return 'The service is temporarily unavailable. Please try again in a moment.';
  if (session.error === REFRESH_ACCESS_TOKEN_ERROR) return 'Your access token could not be refreshed just now. Your session is kept; retry in a moment.';
  if (sessionError) return `Your session could not be checked: ${sessionError.title}.`;
  return null;
}

/** Signed in: who, how long, the API playground, the live feed and the user's sessions; a banner when refresh or the API is failing. */
export function SignedInView(props: { session: SignedIn; sessionError: BffError | null; refetchingSession: boolean; onRetrySession: () => void }) {
  const { session, sessionError, refetchingSession, onRetrySession } = props;
  const call = useCallApi();
  const apiUnavailable = isBffError(call.error, 503);
  const message = outageMessage(session, sessionError, call.error);

  const retry = () => {
    onRetrySession();
    if (apiUnavailable && call.variables) call.mutate(call.variables);
  };

  return (
    <div className="stack">
      <h1 className="page-title">Welcome, {displayName(session.user)}</h1>
      {message && (
        <AlertBanner title="Something needs attention" onRetry={retry} retrying={refetchingSession || call.isPending}>
          <p>{message}</p>
        </AlertBanner>
      )}
      <div className="grid">
        <UserCard user={session.user} />
        <SessionCard accessTokenExpiresAt={session.accessTokenExpiresAt} sessionExpiresAt={session.sessionExpiresAt} />
      </div>
      <ApiPanel call={call} />
      <LivePanel />
      <SessionsPanel />
    </div>
  );
}
