import { SignInView } from '../features/auth/components/sign-in-view';
import { SignOutButton } from '../features/auth/components/sign-out-button';
import { useSession } from '../features/session/api/get-session';
import { isApiError } from '../lib/api-client';
import { Shell } from './shell';
import { SignedInView } from './signed-in-view';
import { LoadingView, SessionUnavailableView } from './status-views';

/** Chooses the screen from the session: loading, unavailable, signed out or signed in. */
export function App() {
  const session = useSession();
  const data = session.data;
  const error = isApiError(session.error) ? session.error : null;
  const retry = () => void session.refetch();

  if (session.isPending) return <Shell><LoadingView /></Shell>;
  if (!data) {
    const message = error?.detail ?? error?.title ?? 'The service did not answer.';
    return (
      <Shell>
        <SessionUnavailableView message={message} onRetry={retry} retrying={session.isFetching} />
      </Shell>
    );
  }
  if (!data.authenticated) return <Shell><SignInView /></Shell>;
  return (
    <Shell actions={<SignOutButton />}>
      <SignedInView session={data} sessionError={error} refetchingSession={session.isFetching} onRetrySession={retry} />
    </Shell>
  );
}
