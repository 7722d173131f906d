import { AlertBanner } from '../../../components/alert-banner';
import { authErrorMessage, type AuthErrorReading } from '../lib/auth-error';

/** Why the last sign-in failed, from `?authError=<code>`, with a way to dismiss it. */
export function AuthErrorMessage({ code, onDismiss }: { code: AuthErrorReading; onDismiss: () => void }) {
  return (
    <AlertBanner title="Sign-in failed" tone="danger" onDismiss={onDismiss}>
      <p>{authErrorMessage(code)}</p>
    </AlertBanner>
  );
}
