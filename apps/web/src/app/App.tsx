import { isBffError, useSession } from '@app/react';
import { SignInView } from '../features/auth/components/sign-in-view';
import { SignOutButton } from '../features/auth/components/sign-out-button';
import { Shell } from './shell';
import { SignedInView } from './signed-in-view';
import { LoadingView, SessionUnavailableView } from './status-views';

/** Chooses the screen from the session: loading, unavailable, signed out or signed in. */
export function App() {
  const session = useSession();
  const data = session.data;
  const error = isBffError(session.error) ? session.error : null;
  const retry = () => void session.refetch();

  if (session.status === 'loading') return <Shell><LoadingView /></Shell>;
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
