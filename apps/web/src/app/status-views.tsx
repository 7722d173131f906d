import { AlertBanner } from '../components/alert-banner';
import { Spinner } from '../components/spinner';

/** While the first `/session` answer is on its way. */
export function LoadingView() {
  return (
    <div className="centered" role="status">
      <Spinner />
      <span>Checking your session…</span>
    </div>
  );
}

/** When `/session` could not be answered at all (e.g. the session store is down). */
export function SessionUnavailableView({ message, onRetry, retrying }: { message: string; onRetry: () => void; retrying: boolean }) {
  return (
    <div className="narrow">
      <h1 className="page-title">We can’t check your session right now</h1>
      <AlertBanner title="Service unavailable" onRetry={onRetry} retrying={retrying}>
        <p>{message}</p>
      </AlertBanner>
    </div>
  );
}
